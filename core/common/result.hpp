// Result<T>: the value-or-error type used at every boundary (parsing, I/O, API
// handlers, Lua calls). An Error carries a stable reason code (Errc, with a string
// form used in APIs, logs and metrics) and a human message that names the field and
// the fix. Exceptions are reserved for start-up and broken invariants.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace propbot {

enum class Errc {
  invalid_argument,   // caller passed a value outside the contract
  parse_error,        // text could not be parsed (number, JSON, YAML, venue frame)
  out_of_range,       // value parsed but outside its allowed range
  overflow,           // arithmetic would overflow the representation
  not_found,          // named thing does not exist
  already_exists,     // named thing exists and must not be replaced
  io_error,           // filesystem or socket failure
  permission_denied,  // filesystem permission or role check failed
  store_error,        // SQLite failure
  config_invalid,     // configuration failed validation
  script_error,       // Lua compile or runtime error
  budget_exceeded,    // Lua CPU or memory budget exhausted
  unavailable,        // component or venue not ready
  conflict,           // state does not allow this now
  internal,           // a bug: invariant broken
};

constexpr std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::parse_error: return "parse_error";
    case Errc::out_of_range: return "out_of_range";
    case Errc::overflow: return "overflow";
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::io_error: return "io_error";
    case Errc::permission_denied: return "permission_denied";
    case Errc::store_error: return "store_error";
    case Errc::config_invalid: return "config_invalid";
    case Errc::script_error: return "script_error";
    case Errc::budget_exceeded: return "budget_exceeded";
    case Errc::unavailable: return "unavailable";
    case Errc::conflict: return "conflict";
    case Errc::internal: return "internal";
  }
  return "internal";
}

struct Error {
  Errc code = Errc::internal;
  std::string message;

  std::string describe() const { return std::string(to_string(code)) + ": " + message; }
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Holds either a T or an Error. Accessing the wrong alternative is a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(implicit)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace propbot
