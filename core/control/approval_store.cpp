#include "core/control/approval_store.hpp"

#include "core/common/json_util.hpp"
#include "core/control/canonical_json.hpp"
#include "core/store/transaction.hpp"

namespace propbot::control {
namespace {

constexpr std::string_view kSelectColumns =
    "SELECT id, kind, requested_by, reason, payload_json, created_at, expires_at, status, second_factor_required, "
    "confirmed_by, confirmed_at FROM approvals";

std::optional<std::string> optional_text(const store::Statement& row, int column) {
  if (row.column_is_null(column)) return std::nullopt;
  return row.column_text(column);
}

Result<ApprovalRequest> read_request(const store::Statement& row) {
  ApprovalRequest request;
  request.id = row.column_int64(0);
  Result<ApprovalKind> kind = parse_approval_kind(row.column_text(1));
  if (!kind) return make_error(Errc::store_error, "approval " + std::to_string(request.id) + ": " + kind.error().message);
  request.kind = *kind;
  request.requested_by = row.column_text(2);
  request.reason = row.column_text(3);
  request.payload_json = row.column_text(4);
  request.created_at = row.column_text(5);
  request.expires_at = row.column_text(6);
  Result<ApprovalStatus> status = parse_approval_status(row.column_text(7));
  if (!status) {
    return make_error(Errc::store_error, "approval " + std::to_string(request.id) + ": " + status.error().message);
  }
  request.status = *status;
  // Anything but an explicit 0 requires the second factor: an odd value fails closed.
  request.second_factor_required = row.column_int64(8) != 0;
  request.confirmed_by = optional_text(row, 9);
  request.confirmed_at = optional_text(row, 10);
  return request;
}

Result<std::vector<ApprovalRequest>> read_all(store::Statement& select) {
  std::vector<ApprovalRequest> requests;
  while (true) {
    Result<bool> row = select.step();
    if (!row) return row.error();
    if (!*row) break;
    Result<ApprovalRequest> request = read_request(select);
    if (!request) return request.error();
    requests.push_back(std::move(*request));
  }
  return requests;
}

DecisionOutcome refused(ApprovalRefusal refusal, std::string message, std::optional<ApprovalRequest> request) {
  DecisionOutcome outcome;
  outcome.refusal = refusal;
  outcome.message = std::move(message);
  outcome.request = std::move(request);
  return outcome;
}

std::string describe(const ApprovalRequest& request) {
  return "approval " + std::to_string(request.id) + " (" + std::string(to_string(request.kind)) + ")";
}

}  // namespace

std::string_view to_string(ApprovalStatus status) {
  switch (status) {
    case ApprovalStatus::pending: return "pending";
    case ApprovalStatus::approved: return "approved";
    case ApprovalStatus::rejected: return "rejected";
    case ApprovalStatus::expired: return "expired";
  }
  return "unknown";
}

Result<ApprovalStatus> parse_approval_status(std::string_view text) {
  for (ApprovalStatus status :
       {ApprovalStatus::pending, ApprovalStatus::approved, ApprovalStatus::rejected, ApprovalStatus::expired}) {
    if (to_string(status) == text) return status;
  }
  return make_error(Errc::invalid_argument,
                    "approval status '" + std::string(text) + "' is unknown; use pending, approved, rejected, expired");
}

std::string_view to_string(ApprovalRefusal refusal) {
  switch (refusal) {
    case ApprovalRefusal::none: return "none";
    case ApprovalRefusal::not_found: return "not_found";
    case ApprovalRefusal::already_decided: return "already_decided";
    case ApprovalRefusal::expired: return "expired";
    case ApprovalRefusal::self_confirmation: return "self_confirmation";
    case ApprovalRefusal::second_factor_required: return "second_factor_required";
  }
  return "unknown";
}

nlohmann::json to_json(const ApprovalRequest& request) {
  Result<nlohmann::json> payload = parse_json(request.payload_json);
  return nlohmann::json{
      {"id", request.id},
      {"kind", to_string(request.kind)},
      {"requested_by", request.requested_by},
      {"reason", request.reason},
      {"payload", payload ? *payload : nlohmann::json(request.payload_json)},
      {"created_at", request.created_at},
      {"expires_at", request.expires_at},
      {"status", to_string(request.status)},
      {"second_factor_required", request.second_factor_required},
      {"confirmed_by", request.confirmed_by ? nlohmann::json(*request.confirmed_by) : nlohmann::json(nullptr)},
      {"confirmed_at", request.confirmed_at ? nlohmann::json(*request.confirmed_at) : nlohmann::json(nullptr)},
  };
}

Result<ApprovalRequest> ApprovalStore::request(const NewApprovalRequest& request) {
  if (request.requested_by.empty()) return make_error(Errc::invalid_argument, "approval request: requested_by is empty");
  if (request.reason.empty()) {
    return make_error(Errc::invalid_argument, "approval request: reason is empty; say why the action is needed");
  }
  const nlohmann::json payload = request.payload.is_null() ? nlohmann::json::object() : request.payload;
  if (!payload.is_object()) return make_error(Errc::invalid_argument, "approval request: payload must be a JSON object");
  Result<std::string> payload_json = canonical_json(payload);
  if (!payload_json) return make_error(Errc::invalid_argument, "approval request payload: " + payload_json.error().message);
  const Nanos ttl = request.ttl.value_or(options_.default_ttl);
  if (ttl <= Nanos::zero() || ttl > options_.max_ttl) {
    return make_error(Errc::invalid_argument,
                      "approval request: ttl must be above 0 and at most " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.max_ttl).count()) +
                          " s");
  }

  ApprovalRequest stored;
  stored.kind = request.kind;
  stored.requested_by = request.requested_by;
  stored.reason = request.reason;
  stored.payload_json = std::move(*payload_json);
  const UtcTime now = clock_->utc();
  stored.created_at = format_iso8601_ms(now);
  stored.expires_at = format_iso8601_ms(now + ttl);
  stored.status = ApprovalStatus::pending;
  stored.second_factor_required = needs_second_factor(request.kind, request.second_factor_context);

  Result<store::Statement> insert = database_->prepare(
      "INSERT INTO approvals(kind, requested_by, reason, payload_json, created_at, expires_at, status, "
      "second_factor_required) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)");
  if (!insert) return insert.error();
  for (Status bound : {insert->bind(1, to_string(stored.kind)), insert->bind(2, stored.requested_by),
                       insert->bind(3, stored.reason), insert->bind(4, stored.payload_json),
                       insert->bind(5, stored.created_at), insert->bind(6, stored.expires_at),
                       insert->bind(7, stored.second_factor_required ? 1 : 0)}) {
    if (!bound) return bound.error();
  }
  if (Result<bool> done = insert->step(); !done) return done.error();
  stored.id = database_->last_insert_rowid();
  return stored;
}

Result<DecisionOutcome> ApprovalStore::confirmable(std::int64_t id, std::string_view confirmer) {
  return decide(id, confirmer, Decision::check, /*second_factor_ok=*/false);
}

Result<DecisionOutcome> ApprovalStore::confirm(std::int64_t id, std::string_view confirmer, bool second_factor_ok) {
  return decide(id, confirmer, Decision::approve, second_factor_ok);
}

Result<DecisionOutcome> ApprovalStore::reject(std::int64_t id, std::string_view decided_by) {
  return decide(id, decided_by, Decision::reject, /*second_factor_ok=*/false);
}

Result<DecisionOutcome> ApprovalStore::decide(std::int64_t id, std::string_view actor, Decision decision,
                                              bool second_factor_ok) {
  if (actor.empty()) return make_error(Errc::invalid_argument, "approval decision: operator name is empty");

  Result<store::Transaction> transaction = store::Transaction::begin(*database_);
  if (!transaction) return transaction.error();
  Result<std::optional<ApprovalRequest>> found = find(id);
  if (!found) return found.error();
  if (!*found) {
    return refused(ApprovalRefusal::not_found, "approval " + std::to_string(id) + " does not exist", std::nullopt);
  }
  ApprovalRequest request = std::move(**found);

  if (request.status == ApprovalStatus::expired) {
    return refused(ApprovalRefusal::expired,
                   describe(request) + " expired at " + request.expires_at + "; make a new request", request);
  }
  if (request.status != ApprovalStatus::pending) {
    std::string message = describe(request) + " is already " + std::string(to_string(request.status));
    if (request.confirmed_by) message += " by " + *request.confirmed_by;
    return refused(ApprovalRefusal::already_decided, message + "; make a new request", request);
  }

  const std::string now = format_iso8601_ms(clock_->utc());
  if (now >= request.expires_at) {
    Result<store::Statement> expire =
        database_->prepare("UPDATE approvals SET status = 'expired' WHERE id = ?1 AND status = 'pending'");
    if (!expire) return expire.error();
    if (Status bound = expire->bind(1, id); !bound) return bound.error();
    if (Result<bool> done = expire->step(); !done) return done.error();
    if (Status committed = transaction->commit(); !committed) return committed.error();
    request.status = ApprovalStatus::expired;
    return refused(ApprovalRefusal::expired,
                   describe(request) + " expired at " + request.expires_at + "; make a new request", request);
  }

  const bool approve = decision != Decision::reject;
  if (approve && actor == request.requested_by) {
    return refused(ApprovalRefusal::self_confirmation,
                   describe(request) + " was requested by " + request.requested_by +
                       "; a different operator must confirm it (two-man rule)",
                   request);
  }
  if (decision == Decision::check) {
    DecisionOutcome outcome;  // nothing changed: the transaction rolls back
    outcome.request = std::move(request);
    return outcome;
  }
  if (approve && request.second_factor_required && !second_factor_ok) {
    return refused(ApprovalRefusal::second_factor_required,
                   describe(request) + " needs the confirming operator's second factor (APPROVE_TOKEN_2FA)", request);
  }

  Result<store::Statement> update = database_->prepare(
      "UPDATE approvals SET status = ?2, confirmed_by = ?3, confirmed_at = ?4 WHERE id = ?1 AND status = 'pending'");
  if (!update) return update.error();
  const ApprovalStatus decided = approve ? ApprovalStatus::approved : ApprovalStatus::rejected;
  for (Status bound : {update->bind(1, id), update->bind(2, to_string(decided)), update->bind(3, actor),
                       update->bind(4, now)}) {
    if (!bound) return bound.error();
  }
  if (Result<bool> done = update->step(); !done) return done.error();
  if (database_->changes() != 1) {
    return make_error(Errc::internal, describe(request) + ": decision did not change exactly one row");
  }
  if (Status committed = transaction->commit(); !committed) return committed.error();

  request.status = decided;
  request.confirmed_by = std::string(actor);
  request.confirmed_at = now;
  DecisionOutcome outcome;
  outcome.request = std::move(request);
  return outcome;
}

Result<std::vector<ApprovalRequest>> ApprovalStore::expire_due() {
  Result<store::Transaction> transaction = store::Transaction::begin(*database_);
  if (!transaction) return transaction.error();
  const std::string now = format_iso8601_ms(clock_->utc());
  Result<store::Statement> select =
      database_->prepare(std::string(kSelectColumns) + " WHERE status = 'pending' AND expires_at <= ?1 ORDER BY id");
  if (!select) return select.error();
  if (Status bound = select->bind(1, now); !bound) return bound.error();
  Result<std::vector<ApprovalRequest>> due = read_all(*select);
  if (!due) return due.error();
  Result<store::Statement> expire = database_->prepare(
      "UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires_at <= ?1");
  if (!expire) return expire.error();
  if (Status bound = expire->bind(1, now); !bound) return bound.error();
  if (Result<bool> done = expire->step(); !done) return done.error();
  if (Status committed = transaction->commit(); !committed) return committed.error();
  for (ApprovalRequest& request : *due) request.status = ApprovalStatus::expired;
  return due;
}

Result<std::vector<ApprovalRequest>> ApprovalStore::pending() const {
  Result<store::Statement> select =
      database_->prepare(std::string(kSelectColumns) + " WHERE status = 'pending' AND expires_at > ?1 ORDER BY id");
  if (!select) return select.error();
  if (Status bound = select->bind(1, format_iso8601_ms(clock_->utc())); !bound) return bound.error();
  return read_all(*select);
}

Result<ApprovalRequest> ApprovalStore::get(std::int64_t id) const {
  Result<std::optional<ApprovalRequest>> found = find(id);
  if (!found) return found.error();
  if (!*found) return make_error(Errc::not_found, "approval " + std::to_string(id) + " does not exist");
  return std::move(**found);
}

Result<std::optional<ApprovalRequest>> ApprovalStore::find(std::int64_t id) const {
  Result<store::Statement> select = database_->prepare(std::string(kSelectColumns) + " WHERE id = ?1");
  if (!select) return select.error();
  if (Status bound = select->bind(1, id); !bound) return bound.error();
  Result<bool> row = select->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ApprovalRequest>{};
  Result<ApprovalRequest> request = read_request(*select);
  if (!request) return request.error();
  return std::optional<ApprovalRequest>(std::move(*request));
}

}  // namespace propbot::control
