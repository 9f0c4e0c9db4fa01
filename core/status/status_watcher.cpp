#include "core/status/status_watcher.hpp"

#include <exception>

#include "core/status/live_readiness.hpp"
#include "core/status/status_views.hpp"

namespace propbot::status {

StatusWatcher::StatusWatcher(StatusMonitor& monitor, StatusSources sources, Logger log,
                             std::chrono::milliseconds period, Announce announce)
    : monitor_(monitor),
      sources_(std::move(sources)),
      log_(std::move(log)),
      period_(period),
      announce_(std::move(announce)) {}

void StatusWatcher::evaluate_once() {
  const StatusInputs inputs = gather(sources_);
  const Evaluation evaluation = monitor_.evaluate(inputs);
  if (!announce_) return;
  const std::string overall = overall_status(inputs, evaluation);
  if (last_overall_ && *last_overall_ != overall) {
    announce_("health.changed", nlohmann::json{{"from", *last_overall_}, {"to", overall}});
  }
  last_overall_ = overall;
  const LiveReadiness readiness = live_readiness(inputs, monitor_.thresholds());
  nlohmann::json reasons = nlohmann::json::array();
  for (const ReadinessReason& reason : readiness.reasons) {
    reasons.push_back(nlohmann::json{{"code", reason.code}, {"detail", reason.detail}});
  }
  // The reasons' codes, not their details (which carry figures that move every second).
  std::string codes;
  for (const ReadinessReason& reason : readiness.reasons) codes += reason.code + ",";
  if (last_ready_ && (*last_ready_ != readiness.ready || last_reasons_ != codes)) {
    announce_("readiness.changed", nlohmann::json{{"ready", readiness.ready}, {"reasons", std::move(reasons)}});
  }
  last_ready_ = readiness.ready;
  last_reasons_ = codes;
}

StatusWatcher::~StatusWatcher() { stop(); }

void StatusWatcher::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void StatusWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatusWatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      evaluate_once();
    } catch (const std::exception& e) {
      log_.error("status_evaluation_failed", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace propbot::status
