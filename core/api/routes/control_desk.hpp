// ControlDesk: what the control routes need of the desk the daemon wired — the control
// plane, its event bus, bearer-token authentication, the secrets store's names and
// runtime-settable values, and the gate of calls that run on the server's blocking
// workers. The daemon's DeskControl (core/app) implements it; the routes never see the
// secrets store or how the desk was opened.
//
// Thread: every call is safe from the API server's threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/call_gate.hpp"
#include "core/common/result.hpp"
#include "core/control/control_plane.hpp"
#include "core/control/event_bus.hpp"
#include "core/secrets/secrets_store.hpp"

namespace propbot::api {

class ControlDesk {
 public:
  virtual ~ControlDesk() = default;
  virtual control::ControlPlane& plane() = 0;
  virtual control::EventBus& bus() = 0;
  // The token's {name, role}, or nullopt (unknown token).
  virtual std::optional<secrets::TokenIdentity> authenticate(std::string_view token) const = 0;
  // Names and update times of the stored secrets, never values (S-6.4 status).
  virtual std::vector<secrets::SecretInfo> secret_names() const = 0;
  // Why `name` may only be set offline (the second operator's secrets, the state key,
  // the paper store's development tokens), or nullopt when the API may set it.
  virtual std::optional<std::string> offline_only(std::string_view name) const = 0;
  // Replaces a named secret's value; permission_denied for a name that may only be set
  // offline (named in the message), the store's errors otherwise.
  virtual Status set_secret(const std::string& name, std::string_view value) = 0;
  virtual const std::string& store_path() const = 0;
  // Calls that use the desk from the server's blocking workers (the audit export) hold
  // a scope of this gate; the daemon closes it after the server stopped.
  virtual const std::shared_ptr<CallGate>& slow_calls() const = 0;
};

}  // namespace propbot::api
