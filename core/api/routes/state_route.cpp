#include "core/api/routes/state_route.hpp"

#include "core/api/routes/exposure_json.hpp"

namespace propbot::api {

using nlohmann::json;

void add_state_route(GuardedRouter& router, const engine::SnapshotSlot* snapshots, ControlDesk& desk) {
  router.add("GET", "/api/ui/state", [snapshots, &desk](const net::HttpRequest&) {
    const control::ControlState state = desk.plane().state();
    const auto snap = snapshots != nullptr ? snapshots->load() : nullptr;
    const json positions = snap && snap->positions ? *snap->positions : json();
    const json risk = snap && snap->risk ? *snap->risk : json();
    const json blockers = risk.is_object() ? risk.value("autopilot_blockers", json::array()) : json(nullptr);
    json strategies = json::array();
    if (snap) {
      for (const auto& s : snap->strategies) {
        strategies.push_back(json{{"strategy", s.name}, {"state", s.state}, {"version", s.version}});
      }
    }
    json body{
        {"mode", std::string(to_string(state.mode))},
        {"safe_mode", state.safe_mode},
        {"dry_run", state.dry_run_mode},
        {"flags",
         {{"hold_active", state.mode != Mode::resume},
          {"safe_mode", state.safe_mode},
          {"dry_run_mode", state.dry_run_mode},
          {"two_man_resume_required", true}}},
        {"control_state", control::to_json(state)},
        {"risk",
         {{"limits", risk.is_object() ? risk.value("risk_snapshot", json::object()).value("caps", json(nullptr)) : json(nullptr)},
          {"risk_blocked", blockers.is_array() ? json(!blockers.empty()) : json(nullptr)},
          {"risk_reasons", blockers},
          {"positions", positions.is_object() ? positions.value("positions", json::array()) : json::array()},
          {"exposure", exposure_json(positions)}}},
        {"strategies", std::move(strategies)},
        {"bundle_version", snap ? json(snap->bundle_version) : json(nullptr)},
        {"engine_ts", snap ? json(format_iso8601_ms(snap->ts)) : json(nullptr)}};
    return net::HttpResponse::json(200, body);
  });
}

}  // namespace propbot::api
