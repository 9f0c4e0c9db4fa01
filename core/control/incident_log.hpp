// IncidentLog: the persistent incident log (SPEC S-4.1) with the postmortem gate's
// data (S-4.4): operators acknowledge incidents and write the postmortem root cause;
// P0 incidents ask a ForensicSink for a bundle (S-4.3). Rows live in the incidents
// table (migrations 0002_control.sql and 0005_incident_code.sql).
//
// Fields are those of S-4.1 plus the incident's code: id, ts_utc, severity (P0|P1|P2),
// code (an IncidentCode: tamper_detected | strategy_degraded | manual | ...), component (recon |
// executor | strategy:<name> | risk_governor | ws_feed:<venue> | control_plane | ha |
// ...), summary, action_taken (HOLD | strategy_degraded | hedge_flatten | cancel_all |
// KILL | none | ...), operator_ack {operator_id, ts_ack_utc} | null, resolved_ts_utc |
// null, postmortem_root_cause | null, forensic_ref | null.
//
// Lifecycle and the rules this layer enforces:
// - open() records an incident (automatic or an operator's manual log). For a P0 it
//   then calls the ForensicSink and stores the returned forensic_ref.
// - acknowledge() sets operator_ack once (conflict if already set).
// - write_postmortem() sets postmortem_root_cause once (conflict if already set:
//   the first root cause is kept; amendments go to the audit log).
// - ack_and_postmortem() is the operator endpoint of S-4.4 in one transaction: sets the
//   ack unless already set, sets the root cause, and resolves when asked.
// - resolve() sets resolved_ts_utc once. A P0 cannot be resolved before it has both
//   operator_ack and postmortem_root_cause (conflict): resolving must not be a way
//   around the postmortem gate.
// - active(): unacknowledged or unresolved (S-4.5). postmortem_required(): P0s
//   lacking operator_ack or postmortem_root_cause — the "TRADE LOCKED: POSTMORTEM
//   REQUIRED" set that blocks resume and the autopilot (S-1.4, S-4.4).
// This layer does not HOLD, alert, write the audit log or publish stream events: the
// control plane's one raise_incident function does all of those around open().
//
// Errors: invalid_argument (an empty or over-long field, named), not_found (no such
// id), conflict (the rule above that refused), store errors.
//
// Threads: all calls on one thread, the caller's (the thread that owns the Database);
// the ForensicSink is called on it too. Every call blocks on disk. Writes take their
// own transaction, so do not call them while a store::Transaction is open on the same
// Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/incident_code.hpp"
#include "core/common/result.hpp"
#include "core/common/severity.hpp"
#include "core/control/forensic_sink.hpp"
#include "core/store/database.hpp"

namespace propbot::control {

inline constexpr std::size_t kMaxIncidentFieldLength = 200;   // component, action_taken, operator_id
inline constexpr std::size_t kMaxIncidentTextLength = 10000;  // summary, postmortem_root_cause, forensic_ref

struct OperatorAck {
  std::string operator_id;
  std::string ts_ack_utc;
};

struct Incident {
  std::int64_t id = 0;
  std::string ts_utc;
  Severity severity = Severity::P0;
  // A stored code this binary does not know (written by a newer one) reads as
  // unspecified: the label is lost, never the incident or its severity.
  IncidentCode code = IncidentCode::unspecified;
  std::string component;
  std::string summary;
  std::string action_taken;
  std::optional<OperatorAck> operator_ack;
  std::optional<std::string> resolved_ts_utc;
  std::optional<std::string> postmortem_root_cause;
  std::optional<std::string> forensic_ref;

  // Unacknowledged or unresolved (S-4.5).
  bool active() const { return !operator_ack || !resolved_ts_utc; }
  bool forensic_captured() const { return forensic_ref.has_value(); }
  // A P0 still lacking operator_ack or postmortem_root_cause (S-4.4).
  bool blocks_resume() const { return severity == Severity::P0 && (!operator_ack || !postmortem_root_cause); }
};

// The S-4.1 shape, plus "code" and "forensic_captured": "yes" | "no" (S-4.5).
nlohmann::json to_json(const Incident& incident);

struct NewIncident {
  Severity severity = Severity::P0;
  IncidentCode code = IncidentCode::unspecified;
  std::string component;
  std::string summary;
  std::string action_taken = "none";
};

class IncidentLog {
 public:
  // `database` (with migrations 0002 and 0005 applied), `clock` and `sink` (when given) must
  // outlive the log. Without a sink, NoForensicSink.
  IncidentLog(store::Database& database, const Clock& clock, ForensicSink* sink = nullptr)
      : database_(&database), clock_(&clock), sink_(sink != nullptr ? sink : &no_sink_) {}
  IncidentLog(const IncidentLog&) = delete;
  IncidentLog& operator=(const IncidentLog&) = delete;

  Result<Incident> open(const NewIncident& incident);
  Result<Incident> acknowledge(std::int64_t id, std::string_view operator_id);
  Result<Incident> write_postmortem(std::int64_t id, std::string_view postmortem_root_cause);
  Result<Incident> ack_and_postmortem(std::int64_t id, std::string_view operator_id,
                                      std::string_view postmortem_root_cause, bool resolve);
  Result<Incident> resolve(std::int64_t id);
  Result<Incident> set_forensic_ref(std::int64_t id, std::string_view forensic_ref);

  Result<Incident> get(std::int64_t id) const;
  // Oldest first.
  Result<std::vector<Incident>> active() const;
  // P0 incidents that are active, oldest first.
  Result<std::vector<Incident>> open_p0() const;
  // P0 incidents lacking operator_ack or postmortem_root_cause, oldest first.
  Result<std::vector<Incident>> postmortem_required() const;
  // The last `limit` (1..1000) closed incidents (acknowledged and resolved), newest first.
  Result<std::vector<Incident>> recent_closed(int limit) const;

 private:
  Result<std::vector<Incident>> select_where(std::string_view where_and_order, int limit = -1) const;
  // Applies `mutate` to the current row inside one transaction.
  template <typename Mutate>
  Result<Incident> update(std::int64_t id, Mutate mutate);

  store::Database* database_;
  const Clock* clock_;
  NoForensicSink no_sink_;
  ForensicSink* sink_;
};

}  // namespace propbot::control
