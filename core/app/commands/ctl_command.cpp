#include "core/app/commands/ctl_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/app/commands/ctl_http.hpp"
#include "core/app/commands/ctl_refusal.hpp"
#include "core/app/commands/ctl_views.hpp"
#include "core/bundle/bundle.hpp"

namespace propbot::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

constexpr auto kDefaultTimeout = 15s;
constexpr auto kSlowTimeout = 180s;                 // config validate/apply/rollback, audit export
constexpr std::size_t kExportMaxBytes = 512u << 20;  // the whole audit chain in one answer

constexpr const char* kUsage =
    "usage: propbot ctl [--url URL] [--token TOKEN] [--json] [--timeout SECONDS] SUBCOMMAND ...\n"
    "\n"
    "A client of a running daemon's HTTP API (docs/OPERATOR_RUNBOOK.md, \"propbot ctl\").\n"
    "  status                                  mode, reason, health (overview when served)\n"
    "  components                              the component registry\n"
    "  positions                               positions and exposure\n"
    "  hold --reason R                         enter HOLD\n"
    "  resume-request --reason R               file a two-man resume request\n"
    "  confirm ID --token APPROVE [--totp C]   confirm another operator's resume request\n"
    "  resume                                  RESUME with the confirmed request\n"
    "  incidents                               active and recently closed incidents\n"
    "  ack ID --root-cause TEXT [--resolve]    acknowledge an incident with its postmortem\n"
    "  approvals                               pending two-man requests\n"
    "  approvals confirm ID --token APPROVE [--totp C]\n"
    "  export-log [--format json|csv] [--out FILE]   the audit chain\n"
    "  config validate DIR|FILE...             check a bundle (or some of its files) on the daemon\n"
    "  config apply DIR|FILE... --message M [--reset-state NAME]...\n"
    "  config rollback TOKEN\n"
    "\n"
    "--url defaults to http://127.0.0.1:8000; the API token comes from --token or API_TOKEN\n"
    "and is never printed (after confirm, --token is the approve token); --json prints the\n"
    "daemon's JSON answer as it is.\n"
    "Exit status: 0 ok, 1 the daemon refused (or a bundle is not valid), 2 usage error,\n"
    "3 the daemon cannot be reached.\n";

struct CommandSpec {
  std::string name;
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;
  std::set<std::string> value_flags;
  std::set<std::string> switch_flags;
  std::set<std::string> required_flags;
};

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> kSpecs = {
      {"status", 0, 0, {}, {}, {}},
      {"components", 0, 0, {}, {}, {}},
      {"positions", 0, 0, {}, {}, {}},
      {"hold", 0, 0, {"--reason"}, {}, {"--reason"}},
      {"resume-request", 0, 0, {"--reason"}, {}, {"--reason"}},
      {"confirm", 1, 1, {"--token", "--totp"}, {}, {"--token"}},
      {"resume", 0, 0, {}, {}, {}},
      {"incidents", 0, 0, {"--limit"}, {}, {}},
      {"ack", 1, 1, {"--root-cause"}, {"--resolve"}, {"--root-cause"}},
      {"approvals", 0, 0, {}, {}, {}},
      {"approvals confirm", 1, 1, {"--token", "--totp"}, {}, {"--token"}},
      {"export-log", 0, 0, {"--format", "--out"}, {}, {}},
      {"config validate", 1, 1000, {}, {}, {}},
      {"config apply", 0, 1000, {"--message", "--reset-state"}, {}, {"--message"}},
      {"config rollback", 1, 1, {}, {}, {}},
  };
  return kSpecs;
}

const std::set<std::string> kGlobalValueFlags = {"--url", "--token", "--timeout"};

struct Invocation {
  std::string url = "http://127.0.0.1:8000";
  std::optional<std::string> bearer;  // from --token
  bool json = false;
  std::optional<std::chrono::milliseconds> timeout;
  const CommandSpec* spec = nullptr;
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> switches;

  std::string value(const std::string& flag) const {
    const auto it = values.find(flag);
    return it == values.end() || it->second.empty() ? std::string() : it->second.back();
  }
  bool has(const std::string& flag) const { return values.count(flag) > 0; }
};

const CommandSpec* find_spec(const std::string& name) {
  for (const auto& spec : command_specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool set_global(Invocation& call, const std::string& flag, const std::string& value, std::string& problem) {
  if (flag == "--url") call.url = value;
  if (flag == "--token") call.bearer = value;
  if (flag == "--timeout") {
    char* end = nullptr;
    const double seconds = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(seconds > 0) || seconds > 3600) {
      problem = "--timeout needs seconds in (0, 3600], got '" + value + "'";
      return false;
    }
    call.timeout = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  }
  return true;
}

// Parses the whole command line; returns the usage problem, empty when it is good.
std::string parse(const std::vector<std::string>& args, Invocation& call) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag.rfind("--", 0) != 0 || flag == "--") {
      if (call.spec == nullptr) {
        std::string name = flag;
        if ((name == "config" || name == "approvals") && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
          name += " " + args[++i];
        }
        call.spec = find_spec(name);
        if (call.spec == nullptr) return "unknown subcommand '" + name + "'";
      } else {
        call.positionals.push_back(flag);
      }
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--json" || flag == "--help") {
      if (value) return flag + " takes no value";
      if (flag == "--help") return "help";
      call.json = true;
      continue;
    }
    const bool own_value = call.spec != nullptr && call.spec->value_flags.count(flag) > 0;
    const bool own_switch = call.spec != nullptr && call.spec->switch_flags.count(flag) > 0;
    if (own_switch) {
      if (value) return flag + " takes no value";
      call.switches.insert(flag);
      continue;
    }
    if (!own_value && kGlobalValueFlags.count(flag) == 0) {
      return "unknown option '" + flag + "'" + (call.spec ? " for '" + call.spec->name + "'" : std::string());
    }
    if (!value) {
      if (i + 1 >= args.size()) return "missing value after " + flag;
      value = args[++i];
    }
    if (own_value) {
      auto& slot = call.values[flag];
      if (!slot.empty() && flag != "--reset-state") return flag + " given twice";
      slot.push_back(*value);
      continue;
    }
    std::string problem;
    if (!set_global(call, flag, *value, problem)) return problem;
  }
  if (call.spec == nullptr) return "no subcommand given";
  const CommandSpec& spec = *call.spec;
  if (call.positionals.size() < spec.min_positionals) return "'" + spec.name + "' needs an argument";
  if (call.positionals.size() > spec.max_positionals) {
    return "unexpected argument '" + call.positionals[spec.max_positionals] + "' for '" + spec.name + "'";
  }
  for (const auto& flag : spec.required_flags) {
    if (!call.has(flag)) return "'" + spec.name + "' needs " + flag;
  }
  if (spec.name == "config apply" && call.positionals.empty() && !call.has("--reset-state")) {
    return "'config apply' needs DIR or FILEs (or --reset-state NAME)";
  }
  if (call.has("--format") && call.value("--format") != "json" && call.value("--format") != "csv") {
    return "--format must be json or csv, got '" + call.value("--format") + "'";
  }
  return {};
}

bool positive_id(const std::string& text) {
  return !text.empty() && text.size() <= 18 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         text.find_first_not_of('0') != std::string::npos;
}

// The bundle files named on the command line: a directory is read whole (configs/*.yaml,
// strategies/*.lua, policies/*.lua), a file is sent under "<its directory's name>/<name>".
Result<json> bundle_files(const std::vector<std::string>& paths) {
  json files = json::object();
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      auto read = bundle::read_bundle(path);
      if (!read) return make_error(Errc::invalid_argument, "cannot read the bundle " + path + ": " + read.error().message);
      for (const auto& [name, content] : read->files()) files[name] = content;
      continue;
    }
    const fs::path file(path);
    const std::string name = fs::absolute(file, ec).parent_path().filename().string() + "/" + file.filename().string();
    if (const std::string why = bundle::check_bundle_path(name); !why.empty()) {
      return make_error(Errc::invalid_argument,
                        path + " is not a bundle file (configs/*.yaml, strategies/*.lua, policies/*.lua): " + why);
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return make_error(Errc::invalid_argument, "cannot read " + path);
    files[name] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

class Ctl {
 public:
  explicit Ctl(Invocation call) : call_(std::move(call)) {
    if (call_.bearer) {
      bearer_ = *call_.bearer;
    } else if (const char* env = std::getenv("API_TOKEN"); env != nullptr) {
      bearer_ = env;
    }
    if (call_.spec->name == "confirm" || call_.spec->name == "approvals confirm") approve_ = call_.value("--token");
  }

  int run();

 private:
  // Replaces the tokens (secrets) in anything printed.
  std::string redact(std::string text) const {
    for (const std::string* secret : {&bearer_, &approve_}) {
      if (secret->size() < 4) continue;
      for (auto at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) text.replace(at, secret->size(), "***");
    }
    return text;
  }
  void print(const std::string& text) { std::cout << redact(text); }
  void print_error(const std::string& line) { std::cerr << redact(line) << "\n"; }

  struct Outcome {
    std::optional<net::HttpReply> reply;  // empty: unreachable (already reported)
    json body;                            // parsed (discarded when not JSON)
  };
  Outcome call(const std::string& method, const std::string& target, const json& body = nullptr,
               std::chrono::milliseconds slow = kDefaultTimeout, std::size_t max_bytes = 16u << 20) {
    CtlRequest request;
    request.method = method;
    request.target = target;
    if (!body.is_null()) request.body = body.dump();
    request.bearer_token = bearer_;
    request.timeout = call_.timeout.value_or(slow);
    request.max_reply_bytes = max_bytes;
    auto reply = ctl_exchange(call_.url, request);
    Outcome outcome;
    if (!reply) {
      if (reply.error().code == Errc::invalid_argument) {
        usage_problem_ = reply.error().message;
      } else {
        print_error("propbot ctl " + call_.spec->name + ": " + reply.error().message +
                    " (is the daemon running? set --url)");
      }
      return outcome;
    }
    outcome.body = json::parse(reply->body, nullptr, false);
    outcome.reply = std::move(*reply);
    return outcome;
  }
  static bool ok(const Outcome& outcome) {
    return outcome.reply && outcome.reply->status >= 200 && outcome.reply->status < 300;
  }
  // The exit status of a call that did not succeed, its message printed.
  int failed(const Outcome& outcome) {
    if (!outcome.reply) return usage_problem_.empty() ? kExitUnreachable : usage(usage_problem_);
    RefusalContext context{call_.spec->name, !bearer_.empty(), outcome.reply->header("retry-after")};
    if (call_.json) print(outcome.reply->body + "\n");
    print_error(describe_refusal(outcome.reply->status, outcome.reply->body, context));
    return kExitRefused;
  }
  int usage(const std::string& problem) {
    print_error("propbot ctl: " + problem);
    std::cerr << kUsage;
    return kExitUsage;
  }
  // Prints a 2xx answer: raw with --json, else the view.
  int show(const Outcome& outcome, std::string (*view)(const json&)) {
    if (!ok(outcome)) return failed(outcome);
    if (call_.json || outcome.body.is_discarded()) {
      print(outcome.reply->body + (outcome.reply->body.empty() || outcome.reply->body.back() != '\n' ? "\n" : ""));
    } else {
      print(view(outcome.body));
    }
    return kExitOk;
  }

  int status();
  int components();
  int confirm(const std::string& target, json body);
  int export_log();
  int config(const std::string& verb);

  Invocation call_;
  std::string bearer_;
  std::string approve_;
  std::string usage_problem_;
};

int Ctl::status() {
  const Outcome overview = call("GET", "/api/ui/status/overview");
  if (!overview.reply) return failed(overview);
  if (overview.reply->status == 200 && overview.body.is_object()) return show(overview, view_overview);
  const Outcome health = call("GET", "/api/health");
  if (!ok(health)) return failed(health);
  const Outcome control = call("GET", "/api/ui/control-state");
  if (!ok(control)) return failed(control);
  if (call_.json) {
    print(json{{"health", health.body}, {"control_state", control.body}}.dump() + "\n");
  } else {
    print(view_health(health.body, control.body));
  }
  return kExitOk;
}

int Ctl::components() {
  const Outcome answer = call("GET", "/api/ui/status/components");
  if (answer.reply && answer.reply->status == 404) {
    print_error("propbot ctl components: this daemon does not serve /api/ui/status/components yet (HTTP 404)");
    return kExitRefused;
  }
  return show(answer, view_components);
}

int Ctl::confirm(const std::string& target, json body) {
  body["token"] = approve_;
  if (call_.has("--totp")) body["totp"] = call_.value("--totp");
  return show(call("POST", target, body), view_action);
}

int Ctl::export_log() {
  const Outcome answer = call("GET", "/api/ui/audit/export", nullptr, kSlowTimeout, kExportMaxBytes);
  if (!ok(answer)) return failed(answer);
  std::string text = answer.reply->body;
  if (call_.value("--format") == "csv") {
    std::size_t skipped = 0;
    text = audit_lines_to_csv(text, skipped);
    if (skipped > 0) print_error("propbot ctl export-log: " + std::to_string(skipped) + " lines were not JSON objects and were left out");
  }
  if (!call_.has("--out")) {
    print(text);
    return kExitOk;
  }
  const std::string out = call_.value("--out");
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    print_error("propbot ctl export-log: cannot write " + out);
    return kExitRefused;
  }
  const auto lines = std::count(answer.reply->body.begin(), answer.reply->body.end(), '\n');
  print("audit export: " + std::to_string(lines) + " entries written to " + out + "\n");
  return kExitOk;
}

int Ctl::config(const std::string& verb) {
  if (verb == "rollback") {
    return show(call("POST", "/api/ui/config/rollback", json{{"rollback_token", call_.positionals[0]}}, kSlowTimeout),
                view_apply);
  }
  auto files = bundle_files(call_.positionals);
  if (!files) return usage(files.error().message);
  json body{{"files", *files}};
  if (verb == "apply") {
    body["message"] = call_.value("--message");
    if (call_.has("--reset-state")) body["reset_state"] = call_.values.at("--reset-state");
  }
  const Outcome answer = call("POST", "/api/ui/config/" + verb, body, kSlowTimeout);
  if (!ok(answer)) {
    // A refused apply (422 validation_failed) names the errors too: print them first.
    if (!call_.json && answer.body.is_object() && answer.body.contains("errors")) print(view_validation(answer.body));
    return failed(answer);
  }
  const int code = show(answer, verb == "validate" ? view_validation : view_apply);
  if (code == kExitOk && verb == "validate" && answer.body.is_object() && answer.body.value("valid", false) != true) {
    return kExitRefused;
  }
  return code;
}

int Ctl::run() {
  const std::string& name = call_.spec->name;
  if ((name == "confirm" || name == "ack" || name == "approvals confirm") && !positive_id(call_.positionals[0])) {
    return usage("'" + name + "' needs a positive numeric id, got '" + call_.positionals[0] + "'");
  }
  if (name == "status") return status();
  if (name == "components") return components();
  if (name == "positions") return show(call("GET", "/api/ui/positions"), view_positions);
  if (name == "hold" || name == "resume-request") {
    return show(call("POST", "/api/ui/" + name, json{{"reason", call_.value("--reason")}}), view_action);
  }
  if (name == "resume") return show(call("POST", "/api/ui/resume"), view_action);
  if (name == "confirm") return confirm("/api/ui/resume-confirm", json{{"request_id", std::stoll(call_.positionals[0])}});
  if (name == "approvals confirm") return confirm("/api/ui/approvals/" + call_.positionals[0] + "/confirm", json::object());
  if (name == "incidents") {
    const std::string limit = call_.value("--limit");
    if (call_.has("--limit") && !positive_id(limit)) return usage("--limit needs a positive number, got '" + limit + "'");
    return show(call("GET", "/api/ui/incidents" + (limit.empty() ? std::string() : "?limit=" + limit)), view_incidents);
  }
  if (name == "ack") {
    json body{{"incident_id", std::stoll(call_.positionals[0])},
              {"postmortem_root_cause", call_.value("--root-cause")},
              {"resolve", call_.switches.count("--resolve") > 0}};
    return show(call("POST", "/api/ui/incidents/ack_and_postmortem", body), view_action);
  }
  if (name == "approvals") return show(call("GET", "/api/ui/approvals"), view_approvals);
  if (name == "export-log") return export_log();
  return config(name.substr(std::string("config ").size()));
}

}  // namespace

int ctl_command(const std::vector<std::string>& args) {
  Invocation call;
  const std::string problem = parse(args, call);
  if (problem == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!problem.empty()) {
    std::cerr << "propbot ctl: " << problem << "\n" << kUsage;
    return kExitUsage;
  }
  return Ctl(std::move(call)).run();
}

}  // namespace propbot::app
