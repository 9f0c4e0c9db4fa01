// ApprovalStore: the persistent queue of two-man requests (SPEC S-6.2). Operator A
// requests a critical action (ApprovalKind), a different operator B confirms it
// (with the second factor when S-6.3 asks for it, see approval_kind.hpp) before the
// TTL runs out. Requests live in the approvals table (migration 0002_control.sql), so
// they survive restarts and are listed as "pending approvals".
//
// This layer decides only whether a confirmation is acceptable and records the
// decision. It does not perform the action, check roles, verify tokens or TOTP codes,
// or write the audit log: the caller (the control plane) does those, passing
// `second_factor_ok` = "the confirming operator's second factor verified".
//
// Guarantees:
// - confirmable(), confirm() and reject() run inside one BEGIN IMMEDIATE transaction
//   and change a row only while it is pending, so a request is decided at most once
//   even with two connections racing. Checks, in this order, each refusal with its
//   own code:
//     not_found               no request with that id
//     expired                 status is expired, or pending but now >= expires_at (the
//                             row becomes expired); an expired request answers expired
//                             every time, never already_decided
//     already_decided         status is approved or rejected
//     self_confirmation       the confirmer is the requester (confirmable, confirm)
//     second_factor_required  the request needs a second factor and it was not given
//                             (confirm only)
// - confirmable() runs the checks a confirmation must pass before any secret is looked
//   at (the request exists, is still pending, is not the confirmer's own) and decides
//   nothing: the control plane calls it first, so a refused confirmation never spends
//   a one-time code, then checks the secrets, then calls confirm().
// - A refusal is an outcome (DecisionOutcome with refusal != none and a message for
//   the operator), not an Error. An Error means the database failed.
// - Time comes from the Clock: created_at, expires_at, confirmed_at are
//   format_iso8601_ms() of Clock::utc(); "now >= expires_at" compares those texts,
//   which order like the instants (fixed width, UTC).
// - Operator identity is the exact name the caller passes (the token's operator name);
//   names are compared byte for byte.
//
// Threads: all calls on one thread, the caller's (the thread that owns the Database).
// Every call blocks on disk. Writes take their own transaction, so do not call them
// while a store::Transaction is open on the same Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/control/approval_kind.hpp"
#include "core/store/database.hpp"

namespace propbot::control {

enum class ApprovalStatus { pending, approved, rejected, expired };
std::string_view to_string(ApprovalStatus status);
Result<ApprovalStatus> parse_approval_status(std::string_view text);

struct ApprovalRequest {
  std::int64_t id = 0;
  ApprovalKind kind = ApprovalKind::resume;
  std::string requested_by;
  std::string reason;
  std::string payload_json;  // canonical JSON (e.g. {"limit":"max_total_notional_usdt","to":"50000"})
  std::string created_at;
  std::string expires_at;
  ApprovalStatus status = ApprovalStatus::pending;
  bool second_factor_required = false;
  std::optional<std::string> confirmed_by;  // who approved or rejected
  std::optional<std::string> confirmed_at;
};
// The request as the API shows it (stable field names; payload as an object).
nlohmann::json to_json(const ApprovalRequest& request);

struct NewApprovalRequest {
  ApprovalKind kind = ApprovalKind::resume;
  std::string requested_by;
  std::string reason;
  nlohmann::json payload = nlohmann::json::object();  // a JSON object, no floats
  std::optional<Nanos> ttl;                             // default: ApprovalOptions::default_ttl
  SecondFactorContext second_factor_context;            // strict by default (approval_kind.hpp)
};

enum class ApprovalRefusal {
  none,  // accepted
  not_found,
  already_decided,
  expired,
  self_confirmation,
  second_factor_required,
};
std::string_view to_string(ApprovalRefusal refusal);

struct DecisionOutcome {
  ApprovalRefusal refusal = ApprovalRefusal::none;
  std::string message;                     // for the operator when refused
  std::optional<ApprovalRequest> request;  // the row after the call (absent for not_found)
  bool accepted() const { return refusal == ApprovalRefusal::none; }
};

struct ApprovalOptions {
  Nanos default_ttl = std::chrono::minutes(15);
  Nanos max_ttl = std::chrono::hours(24);
};

class ApprovalStore {
 public:
  // `database` (with migration 0002 applied) and `clock` must outlive the store.
  ApprovalStore(store::Database& database, const Clock& clock, ApprovalOptions options = {})
      : database_(&database), clock_(&clock), options_(options) {}

  // Records a pending request. Errors: invalid_argument (empty requested_by or reason,
  // payload not a canonicalisable object, ttl <= 0 or above max_ttl), store errors.
  Result<ApprovalRequest> request(const NewApprovalRequest& request);

  // Whether operator `confirmer` may confirm request `id`: the checks above without
  // the second factor; accepted() with the request when they pass. Decides nothing
  // (an expired row is marked expired).
  Result<DecisionOutcome> confirmable(std::int64_t id, std::string_view confirmer);

  // Operator `confirmer` approves request `id`; `second_factor_ok` says whether the
  // caller verified their second factor. Refusals: see the header comment.
  Result<DecisionOutcome> confirm(std::int64_t id, std::string_view confirmer, bool second_factor_ok);

  // Operator `decided_by` (anyone, including the requester withdrawing it) rejects a
  // pending request. Refusals: not_found, expired, already_decided.
  Result<DecisionOutcome> reject(std::int64_t id, std::string_view decided_by);

  // Marks every pending request whose TTL has run out as expired and returns them
  // (for the audit log). Call it periodically; confirm() also expires on touch.
  Result<std::vector<ApprovalRequest>> expire_due();

  // Pending requests that have not yet expired by the clock, oldest first.
  Result<std::vector<ApprovalRequest>> pending() const;

  // Errors: not_found, store errors.
  Result<ApprovalRequest> get(std::int64_t id) const;

 private:
  enum class Decision { check, approve, reject };
  Result<DecisionOutcome> decide(std::int64_t id, std::string_view actor, Decision decision, bool second_factor_ok);
  Result<std::optional<ApprovalRequest>> find(std::int64_t id) const;

  store::Database* database_;
  const Clock* clock_;
  ApprovalOptions options_;
};

}  // namespace propbot::control
