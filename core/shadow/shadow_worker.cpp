#include "core/shadow/shadow_worker.hpp"

#include <new>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/bundle/scratch_directory.hpp"
#include "core/common/json_util.hpp"
#include "core/shadow/tape_json.hpp"

namespace propbot::shadow {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRequestBytes = 2 * bundle::kMaxFiles * bundle::kMaxFileBytes + kMaxTapeRequestBytes;

json files_json(const bundle::Bundle& bundle) {
  json files = json::object();
  for (const auto& [path, content] : bundle.files()) files[path] = content;
  return files;
}

Result<bundle::Bundle> bundle_of(const json& request, const char* field) {
  const auto found = request.find(field);
  if (found == request.end() || !found->is_object()) {
    return make_error(Errc::parse_error, std::string("field '") + field + "' must be an object");
  }
  bundle::Bundle::Files files;
  for (const auto& [path, content] : found->items()) {
    if (!content.is_string()) return make_error(Errc::parse_error, std::string("field '") + field + "." + path + "' must be a string");
    files.emplace(path, content.get<std::string>());
  }
  return bundle::Bundle::from_files(std::move(files));
}

ShadowReport one_error(std::string message) {
  ShadowReport report;
  report.errors.push_back({"", 0, std::move(message)});
  return report;
}

}  // namespace

ChildLimits shadow_limits() {
  ChildLimits limits = bundle::IsolationOptions::default_limits();
  limits.deadline = std::chrono::milliseconds(30'000);
  limits.cpu_seconds = 30;
  return limits;
}

std::string shadow_request(const bundle::Bundle& candidate, const bundle::Bundle& running, config::Profile profile,
                           const engine::MarketTapeView& tape) {
  return json{{"profile", std::string(config::to_string(profile))},
              {"files", files_json(candidate)},
              {"running_files", files_json(running)},
              {"tape", tape_to_json(tape)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

ShadowReport shadow_validate_isolated(const bundle::IsolationOptions& options, const bundle::Bundle& candidate,
                                      const bundle::Bundle& running, config::Profile profile,
                                      const engine::MarketTapeView& tape) {
  if (tape.empty()) return ShadowReport{};
  if (options.executable.empty()) return one_error("shadow validation worker unavailable: the daemon does not know its binary");
  auto ran = run_child(options.executable, {"config", "shadow-worker"},
                       {"LANG=C", "TMPDIR=" + bundle::ScratchDirectory::parent()},
                       shadow_request(candidate, running, profile, tape), options.limits);
  if (auto failure = bundle::worker_failure(ran, options.limits)) return one_error("shadow replay: " + *failure);
  auto answer = parse_json(ran->out);
  if (!answer || !answer->is_object()) return one_error("shadow validation worker gave an unreadable answer; the bundle is refused");
  return ShadowReport::from_json(*answer);
}

int run_shadow_worker(std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    auto request = bundle::read_worker_request(in, kMaxRequestBytes, "shadow-worker", err);
    if (!request) return bundle::kWorkerBadRequest;
    auto profile = config::parse_profile(request->value("profile", std::string()));
    auto candidate = bundle_of(*request, "files");
    auto running = bundle_of(*request, "running_files");
    auto tape = request->contains("tape") ? tape_from_json((*request)["tape"])
                                          : Result<engine::MarketTapeView>(make_error(Errc::parse_error, "no 'tape'"));
    for (const Error* error : {profile ? nullptr : &profile.error(), candidate ? nullptr : &candidate.error(),
                               running ? nullptr : &running.error(), tape ? nullptr : &tape.error()}) {
      if (error == nullptr) continue;
      err << "shadow-worker: " << error->message << "\n";
      return bundle::kWorkerBadRequest;
    }
    *request = nullptr;  // the tape's JSON is not needed any more
    const ShadowReport report = shadow_validate(*candidate, *running, *profile, *tape);
    out << report.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
    out.flush();
    return bundle::kWorkerAnswered;
  } catch (const std::bad_alloc&) {
    return bundle::kWorkerOutOfMemory;
  }
}

}  // namespace propbot::shadow
