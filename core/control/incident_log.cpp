#include "core/control/incident_log.hpp"

#include <exception>

#include "core/control/canonical_json.hpp"
#include "core/store/transaction.hpp"

namespace propbot::control {
namespace {

constexpr std::string_view kSelectColumns =
    "SELECT id, ts_utc, severity, component, summary, action_taken, ack_operator_id, ts_ack_utc, resolved_ts_utc, "
    "postmortem_root_cause, forensic_ref, code FROM incidents";

std::optional<std::string> optional_text(const store::Statement& row, int column) {
  if (row.column_is_null(column)) return std::nullopt;
  return row.column_text(column);
}

Result<Incident> read_incident(const store::Statement& row) {
  Incident incident;
  incident.id = row.column_int64(0);
  incident.ts_utc = row.column_text(1);
  Result<Severity> severity = parse_severity(row.column_text(2));
  if (!severity) {
    return make_error(Errc::store_error, "incident " + std::to_string(incident.id) + ": " + severity.error().message);
  }
  incident.severity = *severity;
  incident.component = row.column_text(3);
  incident.summary = row.column_text(4);
  incident.action_taken = row.column_text(5);
  if (!row.column_is_null(6)) incident.operator_ack = OperatorAck{row.column_text(6), row.column_text(7)};
  incident.resolved_ts_utc = optional_text(row, 8);
  incident.postmortem_root_cause = optional_text(row, 9);
  incident.forensic_ref = optional_text(row, 10);
  const Result<IncidentCode> code = parse_incident_code(row.column_text(11));
  incident.code = code ? *code : IncidentCode::unspecified;
  return incident;
}

Status check_text(std::string_view field, std::string_view value, std::size_t max_length) {
  if (value.empty()) return make_error(Errc::invalid_argument, "incident " + std::string(field) + " is empty");
  if (value.size() > max_length) {
    return make_error(Errc::invalid_argument, "incident " + std::string(field) + " is longer than " +
                                                  std::to_string(max_length) + " bytes");
  }
  if (!is_valid_utf8(value)) {
    return make_error(Errc::invalid_argument, "incident " + std::string(field) + " is not valid UTF-8");
  }
  return {};
}

// Only whitespace is no root cause at all.
bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::string name(const Incident& incident) {
  return std::string(to_string(incident.severity)) + " incident " + std::to_string(incident.id);
}

Status set_ack(Incident& incident, std::string_view operator_id, const std::string& now) {
  if (incident.operator_ack) {
    return make_error(Errc::conflict, name(incident) + " was already acknowledged by " +
                                          incident.operator_ack->operator_id + " at " + incident.operator_ack->ts_ack_utc);
  }
  incident.operator_ack = OperatorAck{std::string(operator_id), now};
  return {};
}

Status set_postmortem(Incident& incident, std::string_view root_cause) {
  if (incident.postmortem_root_cause) {
    return make_error(Errc::conflict, name(incident) + " already has a postmortem_root_cause; it is kept as written");
  }
  incident.postmortem_root_cause = std::string(root_cause);
  return {};
}

Status set_resolved(Incident& incident, const std::string& now) {
  if (incident.resolved_ts_utc) {
    return make_error(Errc::conflict, name(incident) + " was already resolved at " + *incident.resolved_ts_utc);
  }
  if (incident.blocks_resume()) {
    return make_error(Errc::conflict, name(incident) +
                                          " needs operator_ack and postmortem_root_cause before it can be resolved");
  }
  incident.resolved_ts_utc = now;
  return {};
}

Status check_postmortem(std::string_view root_cause) {
  if (Status checked = check_text("postmortem_root_cause", root_cause, kMaxIncidentTextLength); !checked) return checked;
  if (blank(root_cause)) return make_error(Errc::invalid_argument, "incident postmortem_root_cause is blank");
  return {};
}

}  // namespace

nlohmann::json to_json(const Incident& incident) {
  auto optional = [](const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  nlohmann::json ack = nullptr;
  if (incident.operator_ack) {
    ack = {{"operator_id", incident.operator_ack->operator_id}, {"ts_ack_utc", incident.operator_ack->ts_ack_utc}};
  }
  return nlohmann::json{
      {"id", incident.id},
      {"ts_utc", incident.ts_utc},
      {"severity", to_string(incident.severity)},
      {"code", to_string(incident.code)},
      {"component", incident.component},
      {"summary", incident.summary},
      {"action_taken", incident.action_taken},
      {"operator_ack", ack},
      {"resolved_ts_utc", optional(incident.resolved_ts_utc)},
      {"postmortem_root_cause", optional(incident.postmortem_root_cause)},
      {"forensic_ref", optional(incident.forensic_ref)},
      {"forensic_captured", incident.forensic_captured() ? "yes" : "no"},
  };
}

Result<Incident> IncidentLog::open(const NewIncident& incident) {
  if (Status checked = check_text("component", incident.component, kMaxIncidentFieldLength); !checked) {
    return checked.error();
  }
  if (Status checked = check_text("summary", incident.summary, kMaxIncidentTextLength); !checked) {
    return checked.error();
  }
  if (Status checked = check_text("action_taken", incident.action_taken, kMaxIncidentFieldLength); !checked) {
    return checked.error();
  }

  Incident stored;
  stored.ts_utc = format_iso8601_ms(clock_->utc());
  stored.severity = incident.severity;
  stored.code = incident.code;
  stored.component = incident.component;
  stored.summary = incident.summary;
  stored.action_taken = incident.action_taken;

  Result<store::Statement> insert = database_->prepare(
      "INSERT INTO incidents(ts_utc, severity, component, summary, action_taken, code) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert) return insert.error();
  for (Status bound : {insert->bind(1, stored.ts_utc), insert->bind(2, to_string(stored.severity)),
                       insert->bind(3, stored.component), insert->bind(4, stored.summary),
                       insert->bind(5, stored.action_taken), insert->bind(6, to_string(stored.code))}) {
    if (!bound) return bound.error();
  }
  if (Result<bool> done = insert->step(); !done) return done.error();
  stored.id = database_->last_insert_rowid();

  if (stored.severity == Severity::P0) {
    std::string reference;
    try {
      reference = sink_->capture(stored);
    } catch (const std::exception&) {
      reference.clear();  // forensic_captured stays "no"; the incident itself is recorded
    }
    if (!reference.empty() && reference.size() <= kMaxIncidentTextLength) {
      Result<Incident> referenced = set_forensic_ref(stored.id, reference);
      if (!referenced) return referenced.error();
      return referenced;
    }
  }
  return stored;
}

template <typename Mutate>
Result<Incident> IncidentLog::update(std::int64_t id, Mutate mutate) {
  Result<store::Transaction> transaction = store::Transaction::begin(*database_);
  if (!transaction) return transaction.error();
  Result<Incident> current = get(id);
  if (!current) return current.error();
  Incident incident = std::move(*current);
  if (Status changed = mutate(incident); !changed) return changed.error();

  Result<store::Statement> write = database_->prepare(
      "UPDATE incidents SET ack_operator_id = ?2, ts_ack_utc = ?3, resolved_ts_utc = ?4, postmortem_root_cause = ?5, "
      "forensic_ref = ?6 WHERE id = ?1");
  if (!write) return write.error();
  auto bind_optional = [&](int index, const std::optional<std::string>& value) {
    return value ? write->bind(index, std::string_view(*value)) : write->bind(index, nullptr);
  };
  const std::optional<std::string> ack_operator =
      incident.operator_ack ? std::optional<std::string>(incident.operator_ack->operator_id) : std::nullopt;
  const std::optional<std::string> ack_ts =
      incident.operator_ack ? std::optional<std::string>(incident.operator_ack->ts_ack_utc) : std::nullopt;
  for (Status bound : {write->bind(1, id), bind_optional(2, ack_operator), bind_optional(3, ack_ts),
                       bind_optional(4, incident.resolved_ts_utc), bind_optional(5, incident.postmortem_root_cause),
                       bind_optional(6, incident.forensic_ref)}) {
    if (!bound) return bound.error();
  }
  if (Result<bool> done = write->step(); !done) return done.error();
  if (Status committed = transaction->commit(); !committed) return committed.error();
  return incident;
}

Result<Incident> IncidentLog::acknowledge(std::int64_t id, std::string_view operator_id) {
  if (Status checked = check_text("operator_id", operator_id, kMaxIncidentFieldLength); !checked) {
    return checked.error();
  }
  const std::string now = format_iso8601_ms(clock_->utc());
  return update(id, [&](Incident& incident) { return set_ack(incident, operator_id, now); });
}

Result<Incident> IncidentLog::write_postmortem(std::int64_t id, std::string_view postmortem_root_cause) {
  if (Status checked = check_postmortem(postmortem_root_cause); !checked) return checked.error();
  return update(id, [&](Incident& incident) { return set_postmortem(incident, postmortem_root_cause); });
}

Result<Incident> IncidentLog::ack_and_postmortem(std::int64_t id, std::string_view operator_id,
                                                 std::string_view postmortem_root_cause, bool resolve) {
  if (Status checked = check_text("operator_id", operator_id, kMaxIncidentFieldLength); !checked) {
    return checked.error();
  }
  if (Status checked = check_postmortem(postmortem_root_cause); !checked) return checked.error();
  const std::string now = format_iso8601_ms(clock_->utc());
  return update(id, [&](Incident& incident) -> Status {
    if (!incident.operator_ack) incident.operator_ack = OperatorAck{std::string(operator_id), now};
    if (Status written = set_postmortem(incident, postmortem_root_cause); !written) return written;
    if (resolve && !incident.resolved_ts_utc) return set_resolved(incident, now);
    return {};
  });
}

Result<Incident> IncidentLog::resolve(std::int64_t id) {
  const std::string now = format_iso8601_ms(clock_->utc());
  return update(id, [&](Incident& incident) { return set_resolved(incident, now); });
}

Result<Incident> IncidentLog::set_forensic_ref(std::int64_t id, std::string_view forensic_ref) {
  if (Status checked = check_text("forensic_ref", forensic_ref, kMaxIncidentTextLength); !checked) {
    return checked.error();
  }
  return update(id, [&](Incident& incident) -> Status {
    incident.forensic_ref = std::string(forensic_ref);
    return {};
  });
}

Result<Incident> IncidentLog::get(std::int64_t id) const {
  Result<store::Statement> select = database_->prepare(std::string(kSelectColumns) + " WHERE id = ?1");
  if (!select) return select.error();
  if (Status bound = select->bind(1, id); !bound) return bound.error();
  Result<bool> row = select->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, "incident " + std::to_string(id) + " does not exist");
  return read_incident(*select);
}

Result<std::vector<Incident>> IncidentLog::select_where(std::string_view where_and_order, int limit) const {
  std::string sql = std::string(kSelectColumns) + " " + std::string(where_and_order);
  if (limit > 0) sql += " LIMIT " + std::to_string(limit);
  Result<store::Statement> select = database_->prepare(sql);
  if (!select) return select.error();
  std::vector<Incident> incidents;
  while (true) {
    Result<bool> row = select->step();
    if (!row) return row.error();
    if (!*row) break;
    Result<Incident> incident = read_incident(*select);
    if (!incident) return incident.error();
    incidents.push_back(std::move(*incident));
  }
  return incidents;
}

Result<std::vector<Incident>> IncidentLog::active() const {
  return select_where("WHERE ack_operator_id IS NULL OR resolved_ts_utc IS NULL ORDER BY id");
}

Result<std::vector<Incident>> IncidentLog::open_p0() const {
  return select_where("WHERE severity = 'P0' AND (ack_operator_id IS NULL OR resolved_ts_utc IS NULL) ORDER BY id");
}

Result<std::vector<Incident>> IncidentLog::postmortem_required() const {
  return select_where(
      "WHERE severity = 'P0' AND (ack_operator_id IS NULL OR postmortem_root_cause IS NULL) ORDER BY id");
}

Result<std::vector<Incident>> IncidentLog::recent_closed(int limit) const {
  if (limit < 1 || limit > 1000) {
    return make_error(Errc::invalid_argument, "recent closed incidents limit " + std::to_string(limit) + ": use 1..1000");
  }
  return select_where("WHERE ack_operator_id IS NOT NULL AND resolved_ts_utc IS NOT NULL ORDER BY id DESC", limit);
}

}  // namespace propbot::control
