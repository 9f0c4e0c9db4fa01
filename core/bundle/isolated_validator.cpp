#include "core/bundle/isolated_validator.hpp"

#include <csignal>
#include <istream>
#include <iterator>
#include <new>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/bundle/recorded_market_json.hpp"
#include "core/bundle/scratch_directory.hpp"
#include "core/common/json_util.hpp"

namespace propbot::bundle {
namespace {

using nlohmann::json;

// The request carries at most a bundle (kMaxFiles × kMaxFileBytes) and some books.
constexpr std::size_t kMaxRequestBytes = kMaxFiles * kMaxFileBytes + (64u << 20);

std::vector<ValidationError> one_error(std::string message) { return {ValidationError{"", 0, std::move(message)}}; }

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::vector<ValidationError> errors_from_answer(const std::string& out) {
  auto answer = parse_json(out);
  if (!answer || !answer->is_object() || !answer->contains("errors") || !(*answer)["errors"].is_array()) {
    return one_error("validation worker gave an unreadable answer; the bundle is refused");
  }
  std::vector<ValidationError> errors;
  for (const json& entry : (*answer)["errors"]) {
    if (!entry.is_object()) continue;
    errors.push_back({entry.value("file", std::string()), entry.value("line", 0), entry.value("message", std::string())});
  }
  return errors;
}

}  // namespace

std::string validation_request(const Bundle& bundle, config::Profile profile, const scripting::RecordedMarket* recorded) {
  json files = json::object();
  for (const auto& [path, content] : bundle.files()) files[path] = content;
  return json{{"profile", std::string(config::to_string(profile))},
              {"files", std::move(files)},
              {"recorded", recorded != nullptr ? recorded_market_to_json(*recorded) : json(nullptr)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> worker_failure(const Result<ChildResult>& ran, const ChildLimits& limits) {
  if (!ran) return "validation worker could not start: " + ran.error().message;
  const ChildResult& child = *ran;
  if (!child.exited_ok()) {
    // A worker that was killed left its scratch directory behind.
    ScratchDirectory::sweep_abandoned();
  }
  if (child.cancelled) return std::string("validation cancelled: the daemon is stopping; nothing was applied");
  if (child.timed_out) {
    return "validation did not finish within " + std::to_string(limits.deadline.count()) +
           " ms (a script or a document runs past its bounds); nothing was applied";
  }
  if (child.output_overflow) return "validation worker answered more than " + mib(limits.max_output_bytes);
  if (child.signal == SIGXCPU || (child.signal == SIGKILL && limits.cpu_seconds > 0 &&
                                  child.wall_ms >= static_cast<double>(limits.cpu_seconds) * 1000.0)) {
    return "validation used more than " + std::to_string(limits.cpu_seconds) +
           " s of CPU (a script or a document runs past its bounds); nothing was applied";
  }
  if (child.signal != 0) {
    return "validation crashed (" + signal_name(child.signal) +
           "); the bundle is refused; this is a PropBot defect: please report it with the bundle";
  }
  if (child.exit_code == kWorkerOutOfMemory) {
    return "validation ran out of memory (limit " + mib(limits.address_space_bytes) + "); nothing was applied";
  }
  if (child.exit_code != kWorkerAnswered) return "validation worker failed (exit code " + std::to_string(child.exit_code) + ")";
  return std::nullopt;
}

std::vector<ValidationError> validate_isolated(const IsolationOptions& options, const Bundle& bundle,
                                               config::Profile profile, const scripting::RecordedMarket* recorded) {
  if (options.executable.empty()) return one_error("validation worker unavailable: the daemon does not know its binary");
  // The worker makes its scratch directory where the daemon sweeps (its TMPDIR).
  auto ran = run_child(options.executable, {"config", "validate-worker"}, {"LANG=C", "TMPDIR=" + ScratchDirectory::parent()},
                       validation_request(bundle, profile, recorded), options.limits);
  if (auto failure = worker_failure(ran, options.limits)) return one_error(std::move(*failure));
  return errors_from_answer(ran->out);
}

std::optional<json> read_worker_request(std::istream& in, std::size_t max_bytes, std::string_view worker,
                                        std::ostream& err) {
  std::string text;
  std::istreambuf_iterator<char> begin(in), end;
  for (; begin != end && text.size() <= max_bytes; ++begin) text.push_back(*begin);
  if (text.size() > max_bytes) {
    err << worker << ": request larger than " << max_bytes << " bytes\n";
    return std::nullopt;
  }
  auto request = parse_json(text);
  if (!request || !request->is_object()) {
    err << worker << ": request is not a JSON object" << (request ? "" : ": " + request.error().message) << "\n";
    return std::nullopt;
  }
  return std::move(*request);
}

int run_validation_worker(std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    auto request = read_worker_request(in, kMaxRequestBytes, "validate-worker", err);
    if (!request) return kWorkerBadRequest;
    auto profile = config::parse_profile(request->value("profile", std::string()));
    if (!profile) {
      err << "validate-worker: " << profile.error().message << "\n";
      return kWorkerBadRequest;
    }
    Bundle::Files files;
    if (!request->contains("files") || !(*request)["files"].is_object()) {
      err << "validate-worker: field 'files' must be an object\n";
      return kWorkerBadRequest;
    }
    for (const auto& [path, content] : (*request)["files"].items()) {
      if (!content.is_string()) {
        err << "validate-worker: field 'files." << path << "' must be a string\n";
        return kWorkerBadRequest;
      }
      files.emplace(path, content.get<std::string>());
    }
    auto bundle = Bundle::from_files(std::move(files));
    if (!bundle) {
      err << "validate-worker: " << bundle.error().message << "\n";
      return kWorkerBadRequest;
    }
    std::optional<scripting::RecordedMarket> recorded;
    if (request->contains("recorded") && !(*request)["recorded"].is_null()) {
      auto market = recorded_market_from_json((*request)["recorded"]);
      if (!market) {
        err << "validate-worker: " << market.error().message << "\n";
        return kWorkerBadRequest;
      }
      recorded = std::move(*market);
    }
    const std::vector<ValidationError> errors = validate(*bundle, *profile, recorded ? &*recorded : nullptr);
    json list = json::array();
    for (const ValidationError& error : errors) {
      list.push_back({{"file", error.file}, {"line", error.line}, {"message", error.message}});
    }
    out << json{{"errors", std::move(list)}}.dump(-1, ' ', false, json::error_handler_t::replace);
    out.flush();
    return kWorkerAnswered;
  } catch (const std::bad_alloc&) {
    return kWorkerOutOfMemory;
  }
}

}  // namespace propbot::bundle
