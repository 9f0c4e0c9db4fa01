// StrategyStreamer: the `strategy.<name>` topics of the live stream (issue 15's strategy
// topic, S-11.6). Every `period`, for each strategy a stream client subscribed to, it
// reads the strategy's view on the engine thread (EngineHandle::strategy_detail, at most
// 500 ms of wait) and publishes what changed since its last look:
//   state  {state, version, freeze_reason}       when the state or version changed
//   fault  one fault record (as the view's)      each fault not published yet
//   log    one log line (as the view's)          each line not published yet
//   stats  {calls, proposals, faults_total, timings}  when calls moved
// Nothing is read while nobody listens. Bounded: one marker per subscribed strategy
// (forgotten when its last subscriber leaves), at most the view's 20 faults and 50 lines
// per look.
//
// Threads: its own; start()/stop() from the owner (stop() joins). poll_once() is one
// pass, for tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/api/routes/stream_hub.hpp"
#include "core/engine/engine_handle.hpp"

namespace propbot::app {

class StrategyStreamer {
 public:
  StrategyStreamer(engine::EngineHandle& engine, std::shared_ptr<api::StreamHub> hub,
                   std::chrono::milliseconds period = std::chrono::seconds(1));
  ~StrategyStreamer();
  StrategyStreamer(const StrategyStreamer&) = delete;
  StrategyStreamer& operator=(const StrategyStreamer&) = delete;

  void start();
  void stop();
  void poll_once();

 private:
  struct Seen {
    std::string state;
    std::int64_t version = -1;
    std::uint64_t faults_total = 0;
    std::string last_log;  // ts + message of the newest line published
    std::uint64_t calls = ~std::uint64_t{0};
  };
  void look(const std::string& name, Seen& seen);

  engine::EngineHandle& engine_;
  std::shared_ptr<api::StreamHub> hub_;
  std::chrono::milliseconds period_;
  std::map<std::string, Seen> seen_;  // subscribed strategies only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace propbot::app
