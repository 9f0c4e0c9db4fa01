#include "core/app/commands/ctl_refusal.hpp"

#include <nlohmann/json.hpp>

namespace propbot::app {
namespace {

std::string hint_401(const std::string& code, bool had_token) {
  if (code == "bad_token") return "the approve token (--token after the request id) is wrong";
  if (code == "second_factor_required") return "this approval needs the second factor: add --totp CODE";
  if (code == "bad_second_factor") return "the --totp code is wrong or was already used; wait for the next code";
  if (!had_token) {
    return "no API token was sent: pass --token TOKEN or set API_TOKEN (a paper daemon's development tokens: "
           "propbot secrets show-dev --data-dir DIR; otherwise propbot secrets add-token)";
  }
  return "the daemon does not know this API token: check --token / API_TOKEN (paper: propbot secrets show-dev "
         "--data-dir DIR; otherwise ask for one made with propbot secrets add-token)";
}

std::string hint_403(const std::string& code) {
  if (code == "self_confirmation") return "a different operator must confirm a request you filed";
  return "your token's role is too low for this (reads need viewer, changes need operator, the audit export "
         "auditor or operator)";
}

std::string hint_409(const std::string& code) {
  if (code == "wrong_mode") return "conflict: the desk's mode does not allow this now (see propbot ctl status)";
  if (code == "postmortem_required") {
    return "conflict: a P0 lacks its ack and postmortem (TRADE LOCKED): propbot ctl incidents, then propbot ctl "
           "ack ID --root-cause TEXT";
  }
  if (code == "not_approved") return "conflict: no confirmed resume request (resume-request, then confirm by another operator)";
  if (code == "expired") return "conflict: the request expired; file a new one";
  if (code == "already_decided") return "conflict: the request was already approved or rejected";
  if (code == "recon_pending") return "conflict: start-up reconciliation has not finished clean (see propbot ctl incidents)";
  if (code == "busy") return "conflict: another config change is being applied right now; retry";
  if (code == "approval_required") return "conflict: this rollback loosens a limit; apply the old files to file the two-man request";
  return "conflict: the daemon's state does not allow this now";
}

}  // namespace

std::string describe_refusal(int status, const std::string& body, const RefusalContext& context) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  std::string code = "-";
  std::string message;
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const auto& error = parsed["error"];
    if (error.contains("code") && error["code"].is_string()) code = error["code"].get<std::string>();
    if (error.contains("message") && error["message"].is_string()) message = error["message"].get<std::string>();
  } else {
    message = body.substr(0, 200);
  }
  std::string line = "propbot ctl " + context.subcommand + ": the daemon refused: HTTP " + std::to_string(status) +
                     " " + code + (message.empty() ? "" : ": " + message);
  std::string hint;
  switch (status) {
    case 401: hint = hint_401(code, context.had_bearer_token); break;
    case 403: hint = hint_403(code); break;
    case 409: hint = hint_409(code); break;
    case 423:
      hint = "locked: the runaway breaker or a HOLD blocks this (see propbot ctl status and propbot ctl incidents)";
      break;
    case 429:
      hint = "locked out for now" + (context.retry_after.empty() ? std::string() : "; retry after " + context.retry_after + " s");
      break;
    default: break;
  }
  if (!hint.empty()) line += " — " + hint;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace propbot::app
