#include "core/app/strategy_streamer.hpp"

namespace propbot::app {

using nlohmann::json;

StrategyStreamer::StrategyStreamer(engine::EngineHandle& engine, std::shared_ptr<api::StreamHub> hub,
                                   std::chrono::milliseconds period)
    : engine_(engine), hub_(std::move(hub)), period_(period) {}

StrategyStreamer::~StrategyStreamer() { stop(); }

void StrategyStreamer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
      lock.unlock();
      try {
        poll_once();
      } catch (...) {
        // A view that cannot be read this time is read the next.
      }
      lock.lock();
    }
  });
}

void StrategyStreamer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StrategyStreamer::poll_once() {
  const std::set<std::string> wanted = hub_->subscribed_strategies();
  std::erase_if(seen_, [&](const auto& entry) { return !wanted.contains(entry.first); });
  for (const std::string& name : wanted) look(name, seen_[name]);
}

void StrategyStreamer::look(const std::string& name, Seen& seen) {
  auto detail = engine_.strategy_detail(name, std::chrono::milliseconds(500));
  if (!detail) return;
  const std::string topic = api::strategy_topic(name);
  const json& view = *detail;
  const std::string state = view.value("state", std::string());
  const std::int64_t version = view["version"].is_number() ? view["version"].get<std::int64_t>() : 0;
  if (state != seen.state || version != seen.version) {
    hub_->publish_topic(topic, "state",
                        json{{"state", state}, {"version", view["version"]}, {"freeze_reason", view.value("freeze_reason", json())}});
    if (version != seen.version) seen.faults_total = 0;  // a new version counts from zero
    seen.state = state;
    seen.version = version;
  }
  const std::uint64_t faults_total = view.value("faults_total", std::uint64_t{0});
  if (view.contains("faults") && view["faults"].is_array() && faults_total > seen.faults_total) {
    const json& faults = view["faults"];
    const std::size_t fresh = std::min<std::uint64_t>(faults_total - seen.faults_total, faults.size());
    for (std::size_t i = faults.size() - fresh; i < faults.size(); ++i) hub_->publish_topic(topic, "fault", faults[i]);
  }
  seen.faults_total = faults_total;
  if (view.contains("log") && view["log"].is_array() && !view["log"].empty()) {
    const json& log = view["log"];
    std::size_t from = 0;
    for (std::size_t i = log.size(); i-- > 0;) {
      if (log[i].value("ts", std::string()) + log[i].value("message", std::string()) == seen.last_log) {
        from = i + 1;
        break;
      }
    }
    for (std::size_t i = from; i < log.size(); ++i) hub_->publish_topic(topic, "log", log[i]);
    seen.last_log = log.back().value("ts", std::string()) + log.back().value("message", std::string());
  }
  const std::uint64_t calls = view.value("calls", std::uint64_t{0});
  if (calls != seen.calls) {
    hub_->publish_topic(topic, "stats",
                        json{{"calls", calls},
                             {"proposals", view.value("proposals", std::uint64_t{0})},
                             {"faults_total", faults_total},
                             {"timings", view.value("timings", json())}});
    seen.calls = calls;
  }
}

}  // namespace propbot::app
