#include "core/app/commands/ctl_views.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

#include "core/app/commands/ctl_table.hpp"

namespace propbot::app {
namespace {

using nlohmann::json;

const json& member(const json& object, const std::string& key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const json& list_of(const json& object, const std::string& key) {
  static const json kEmpty = json::array();
  const json& value = member(object, key);
  return value.is_array() ? value : kEmpty;
}

std::string yes_no(const json& value) {
  if (!value.is_boolean()) return "-";
  return value.get<bool>() ? "yes" : "no";
}

std::string error_lines(const json& answer) {
  std::string out;
  for (const auto& error : list_of(answer, "errors")) {
    const std::string file = field_text(error, "file");
    const json& line = member(error, "line");
    std::string where = file == "-" || file.empty() ? std::string("(bundle)") : file;
    if (line.is_number_integer() && line.get<long long>() > 0) where += ":" + std::to_string(line.get<long long>());
    out += where + ": " + field_text(error, "message") + "\n";
  }
  return out;
}

std::string warning_lines(const json& answer) {
  std::string out;
  for (const auto& warning : list_of(answer, "warnings")) {
    out += "warning: " + (warning.is_string() ? warning.get<std::string>() : warning.dump()) + "\n";
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// "41.2 ms" (one decimal), "-" when not a number.
std::string milliseconds_text(const json& value) {
  if (!value.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", value.get<double>());
  return text;
}

}  // namespace

std::string field_text(const json& object, const std::string& key) {
  const json& value = member(object, key);
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string view_overview(const json& overview) {
  const json& control = member(overview, "control_state");
  std::string out = "overall: " + field_text(overview, "overall") + "\n";
  out += "mode:    " + field_text(control, "mode") + "\n";
  if (field_text(control, "reason") != "-" && !field_text(control, "reason").empty()) {
    out += "reason:  " + field_text(control, "reason") + " (since " + field_text(control, "since") + ")\n";
  }
  out += "safe_mode: " + yes_no(member(control, "safe_mode")) + "  dry_run_mode: " +
         yes_no(member(control, "dry_run_mode")) + "\n";
  const json& scores = member(overview, "scores");
  if (scores.is_object()) {
    out += "scores:";
    for (const char* group : {"P0", "P1", "P2", "P3"}) out += std::string("  ") + group + " " + field_text(scores, group);
    out += "\n";
  }
  const json& alerts = list_of(overview, "alerts");
  if (!alerts.empty()) {
    TextTable table({"SEVERITY", "SINCE", "COMPONENT", "TITLE", "MESSAGE"});
    for (const auto& alert : alerts) {
      table.add({field_text(alert, "severity"), field_text(alert, "since"), field_text(alert, "component_id"),
                 field_text(alert, "title"), field_text(alert, "msg")});
    }
    out += "\n" + table.render();
  }
  return out;
}

std::string view_health(const json& health, const json& control_state) {
  std::string out = "daemon:  " + field_text(health, "status") + " (version " + field_text(health, "version") +
                    ", profile " + field_text(health, "profile") + ", up " + field_text(health, "uptime_sec") + " s)\n";
  out += "mode:    " + field_text(control_state, "mode") + "\n";
  const std::string reason = field_text(control_state, "reason");
  if (reason != "-" && !reason.empty()) out += "reason:  " + reason + " (since " + field_text(control_state, "since") + ")\n";
  out += "safe_mode: " + yes_no(member(control_state, "safe_mode")) +
         "  dry_run_mode: " + yes_no(member(control_state, "dry_run_mode")) +
         "  tamper_status: " + field_text(control_state, "tamper_status") + "\n";
  out += "autopilot: " + field_text(control_state, "autopilot_status");
  const std::string decision = field_text(control_state, "autopilot_last_decision");
  if (decision != "-" && !decision.empty()) out += " (" + decision + ")";
  out += "\n";
  if (!member(control_state, "resume_authorization").is_null()) {
    out += "resume authorised: " + member(control_state, "resume_authorization").dump() + "\n";
  }
  return out;
}

std::string view_components(const json& answer) {
  const json& list = answer.is_array() ? answer : list_of(answer, "components");
  TextTable table({"ID", "GROUP", "STATUS", "TITLE", "SUMMARY"});
  for (const auto& component : list) {
    table.add({field_text(component, "id"), field_text(component, "group"), field_text(component, "status"),
               field_text(component, "title"), field_text(component, "summary")});
  }
  return table.render();
}

std::string view_positions(const json& answer) {
  TextTable table({"ID", "STRATEGY", "SYMBOL", "STATUS", "VENUE", "SIDE", "QTY", "ENTRY", "MARK", "UPNL_USDT"});
  for (const auto& position : list_of(answer, "positions")) {
    const json& legs = list_of(position, "legs");
    if (legs.empty()) {
      table.add({field_text(position, "id"), field_text(position, "strategy"), field_text(position, "symbol"),
                 field_text(position, "status")});
    }
    for (const auto& leg : legs) {
      table.add({field_text(position, "id"), field_text(position, "strategy"), field_text(position, "symbol"),
                 field_text(position, "status"), field_text(leg, "venue"), field_text(leg, "side"),
                 field_text(leg, "qty"), field_text(leg, "entry_price"), field_text(leg, "mark_price"),
                 field_text(leg, "unrealized_pnl_usdt")});
    }
  }
  std::string out = table.rows() == 0 ? "no positions\n" : table.render();
  TextTable exposure({"VENUE", "SYMBOL", "NET_QTY", "NOTIONAL_USDT"});
  for (const auto& row : list_of(answer, "exposure")) {
    exposure.add({field_text(row, "venue"), field_text(row, "symbol"), field_text(row, "net_qty"),
                  field_text(row, "notional_usdt")});
  }
  out += exposure.rows() == 0 ? "no exposure\n" : "\nexposure\n" + exposure.render();
  return out;
}

std::string view_incidents(const json& answer) {
  std::string out;
  const std::string banner = field_text(answer, "banner");
  if (banner != "-") out += banner + "\n";
  auto table_of = [](const json& list) {
    TextTable table({"ID", "SEVERITY", "CODE", "COMPONENT", "TS_UTC", "ACKED_BY", "SUMMARY"});
    for (const auto& incident : list) {
      const json& ack = member(incident, "operator_ack");
      table.add({field_text(incident, "id"), field_text(incident, "severity"), field_text(incident, "code"),
                 field_text(incident, "component"), field_text(incident, "ts_utc"),
                 ack.is_object() ? field_text(ack, "operator_id") : "-", field_text(incident, "summary")});
    }
    return table;
  };
  const TextTable active = table_of(list_of(answer, "active"));
  out += active.rows() == 0 ? "no active incidents\n" : "active\n" + active.render();
  const TextTable closed = table_of(list_of(answer, "recent_closed"));
  if (closed.rows() > 0) out += "\nrecently closed\n" + closed.render();
  const json& required = list_of(answer, "postmortem_required");
  if (!required.empty()) out += "\npostmortem required for: " + required.dump() + "\n";
  return out;
}

std::string view_approvals(const json& answer) {
  TextTable table({"ID", "KIND", "REQUESTED_BY", "EXPIRES_AT", "2FA", "REASON"});
  for (const auto& approval : list_of(answer, "pending")) {
    table.add({field_text(approval, "id"), field_text(approval, "kind"), field_text(approval, "requested_by"),
               field_text(approval, "expires_at"), yes_no(member(approval, "second_factor_required")),
               field_text(approval, "reason")});
  }
  return table.rows() == 0 ? "no pending approvals\n" : table.render();
}

std::string view_action(const json& answer) {
  std::string out;
  if (!member(answer, "request_id").is_null()) {
    out += "request " + field_text(answer, "request_id") + " " + field_text(answer, "status") + ", expires " +
           field_text(answer, "expires_at") +
           (member(answer, "second_factor_required") == true ? ", needs the second factor (--totp)" : "") +
           "; another operator confirms it with: propbot ctl confirm " + field_text(answer, "request_id") +
           " --token APPROVE_TOKEN\n";
  }
  const json& approval = member(answer, "approval");
  if (approval.is_object() && member(answer, "request_id").is_null()) {
    out += "approval " + field_text(approval, "id") + " (" + field_text(approval, "kind") + "): " +
           field_text(approval, "status") + "\n";
  }
  const json& incident = member(answer, "incident");
  if (incident.is_object()) {
    const json& ack = member(incident, "operator_ack");
    out += "incident " + field_text(incident, "id") + " (" + field_text(incident, "severity") + " " +
           field_text(incident, "code") + "): acked by " + (ack.is_object() ? field_text(ack, "operator_id") : "-") +
           ", resolved " + field_text(incident, "resolved_ts_utc") + "\n";
  }
  const json& state = member(answer, "state");
  if (state.is_object()) {
    out += "mode: " + field_text(state, "mode");
    const std::string reason = field_text(state, "reason");
    if (reason != "-" && !reason.empty()) out += " (" + reason + ")";
    out += "\n";
  }
  return out.empty() ? answer.dump() + "\n" : out;
}

std::string view_validation(const json& answer) {
  std::string out;
  if (member(answer, "valid") == true) {
    out += "bundle valid: hash " + field_text(answer, "hash") + " (" + field_text(answer, "recorded_books") +
           " recorded books, " + milliseconds_text(member(answer, "validate_ms")) + ")\n";
  } else {
    out += error_lines(answer);
    if (out.empty()) out += "bundle not valid (the daemon named no error)\n";
  }
  return out + warning_lines(answer);
}

std::string view_apply(const json& answer) {
  std::string out = error_lines(answer);
  const std::string message = field_text(answer, "message");
  if (message != "-") out += message + "\n";
  if (member(answer, "applied") == true) out += "version " + field_text(answer, "version") + " running\n";
  if (!member(answer, "approval_id").is_null()) {
    out += "filed as approval " + field_text(answer, "approval_id") + " (pending version " +
           field_text(answer, "pending_version") + "): another operator confirms it with: propbot ctl approvals confirm " +
           field_text(answer, "approval_id") + " --token APPROVE_TOKEN\n";
  }
  const std::string token = field_text(answer, "rollback_token");
  if (token != "-" && !token.empty()) out += "rollback token: " + token + "  (propbot ctl config rollback " + token + ")\n";
  return out + warning_lines(answer);
}

std::string audit_lines_to_csv(const std::string& ndjson, std::size_t& skipped) {
  static const std::vector<std::string> kColumns = {"id",     "ts_utc",  "actor",     "role",           "action",
                                                    "target", "details", "prev_hash", "cumulative_hash"};
  skipped = 0;
  std::string out;
  for (std::size_t c = 0; c < kColumns.size(); ++c) out += (c ? "," : "") + kColumns[c];
  out += "\n";
  std::istringstream in(ndjson);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json entry = json::parse(line, nullptr, false);
    if (!entry.is_object()) {
      ++skipped;
      continue;
    }
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      const json& value = member(entry, kColumns[c]);
      const std::string text = value.is_null() ? "" : value.is_string() ? value.get<std::string>() : value.dump();
      out += (c ? "," : "") + csv_field(text);
    }
    out += "\n";
  }
  return out;
}

}  // namespace propbot::app
