// OKX account settings a client reads before it trades: GET /api/v5/account/config
// (single-currency margin, net position mode — the only modes the simulator books) and
// GET /api/v5/account/leverage-info (the leverage set-leverage stored, per instId, up to
// 20 comma-separated). Validation and codes as OKX: mgnMode is required (51000), an
// unknown instId is 51001.

#include "core/venues/sim/okx/frontend.hpp"

#include <sstream>

namespace propbot::venues::sim::okx_frontend {

net::HttpResponse OkxSimVenue::get_account_config(const net::HttpRequest&, const std::string& account) {
  json config{{"uid", account},
              {"mainUid", account},
              {"acctLv", "2"},  // single-currency margin
              {"acctStpMode", "cancel_maker"},
              {"posMode", "net_mode"},
              {"autoLoan", false},
              {"greeksType", "PA"},
              {"level", "Lv1"},
              {"levelTmp", ""},
              {"ctIsoMode", "automatic"},
              {"mgnIsoMode", "automatic"},
              {"roleType", "0"},
              {"traderInsts", json::array()},
              {"spotRoleType", "0"},
              {"spotTraderInsts", json::array()},
              {"opAuth", "0"},
              {"kycLv", "0"},
              {"label", ""},
              {"ip", ""},
              {"perm", "read_only,trade"},
              {"liquidationGear", "-1"},
              {"enableSpotBorrow", false},
              {"spotBorrowAutoRepay", false},
              {"type", "0"}};
  return make_response(200, wire::ok_body(json::array({config})));
}

net::HttpResponse OkxSimVenue::get_leverage_info(const net::HttpRequest& request, const std::string& account) {
  auto mgn_mode = request.query.find("mgnMode");
  if (mgn_mode == request.query.end() || (mgn_mode->second != "cross" && mgn_mode->second != "isolated")) {
    return top_level_error("51000", "Parameter mgnMode error");
  }
  auto inst_ids = request.query.find("instId");
  if (inst_ids == request.query.end() || inst_ids->second.empty()) {
    return top_level_error("51000", "Parameter instId error");
  }
  json data = json::array();
  std::istringstream list(inst_ids->second);
  std::string inst_id;
  while (std::getline(list, inst_id, ',')) {
    const Instrument* instrument = instrument_by_inst_id(inst_id);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    if (data.size() == kMaxBatch) return top_level_error("51000", "Parameter instId error");
    data.push_back(json{{"instId", instrument->inst_id},
                        {"mgnMode", mgn_mode->second},
                        {"posSide", "net"},
                        {"lever", std::to_string(core_.accounts().leverage(account, instrument->rules.symbol))},
                        {"ccy", ""}});
  }
  return make_response(200, wire::ok_body(data));
}

}  // namespace propbot::venues::sim::okx_frontend
