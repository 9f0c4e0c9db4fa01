// ActivationStore: which config bundle version the engine ran, since when and why —
// the table config_activations (migration 0004). One row per completed swap: the
// start-up load, an apply, a rollback, an apply confirmed by a second operator. The
// latest row is the running version; a row's rollback_token returns the desk to the
// version that ran before it (SPEC S-7.5 `POST /api/ui/config/rollback`).
//
// Guarantees:
// - Rows are never edited or deleted (triggers), except that rolled_back_at is set
//   once, when the token is used: a token works at most once (mark_rolled_back answers
//   conflict the second time, atomically).
// - Tokens are the caller's (random, unguessable); the store only keeps and finds them.
// - No exceptions; store errors come back as values.
//
// Threads: the Database's thread (the API thread in the daemon); every call blocks on
// disk. Uses: core/store, core/common (Clock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/store/database.hpp"

namespace propbot::bundle {

struct Activation {
  std::int64_t id = 0;
  std::string created_at;
  std::int64_t version = 0;
  std::optional<std::int64_t> from_version;
  std::string source;  // startup | apply | rollback | approval
  std::string actor;
  std::string message;
  std::string disk_hash;  // the bundle on disk when the daemon started
  std::optional<std::string> rollback_token;
  std::optional<std::string> rolled_back_at;
};

struct NewActivation {
  std::int64_t version = 0;
  std::optional<std::int64_t> from_version;
  std::string source;
  std::string actor;
  std::string message;
  std::string disk_hash;
  std::optional<std::string> rollback_token;
};

class ActivationStore {
 public:
  ActivationStore(store::Database& database, const Clock& clock) : database_(database), clock_(clock) {}

  Result<Activation> record(const NewActivation& activation);
  // The running version's row; nullopt before the first start.
  Result<std::optional<Activation>> latest();
  Result<std::optional<Activation>> find_token(std::string_view token);
  // Sets rolled_back_at; conflict when the token was used before.
  Status mark_rolled_back(std::int64_t id);
  // Newest first.
  Result<std::vector<Activation>> recent(std::size_t limit);

 private:
  Result<std::vector<Activation>> select(std::string_view where_and_order, std::optional<std::string_view> text,
                                         std::optional<std::int64_t> number);

  store::Database& database_;
  const Clock& clock_;
};

}  // namespace propbot::bundle
