// Seeded mutation fuzzing for the suite (issue 10: "a fuzz target per JSON / YAML / Lua
// entry point ... run for a bounded time in CI and longer by hand").
//
// FuzzRun reads its budget from the environment — PROPBOT_FUZZ_SECONDS (default 3: the
// CI slice; run for minutes or hours by hand) and PROPBOT_FUZZ_SEED (default 1, so a CI
// run is reproducible; 0 picks one from the clock; always printed) — and Mutator turns seed inputs into
// variants: byte flips, insertions and deletions, splices of two inputs, runs of
// dictionary tokens (brackets, quotes, anchors, escapes: the shapes that broke parsers
// before), truncations and repetitions of a slice (which nests deep). Deterministic for
// a seed. Header-only; no dependency beyond the standard library.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace propbot::fuzz {

class Mutator {
 public:
  Mutator(std::uint64_t seed, std::vector<std::string> dictionary) : rng_(seed), dictionary_(std::move(dictionary)) {}

  // One variant of `input`; `other` is a second seed to splice from.
  std::string mutate(const std::string& input, const std::string& other) {
    std::string out = input;
    const int rounds = 1 + static_cast<int>(pick(4));
    for (int round = 0; round < rounds; ++round) {
      switch (pick(8)) {
        case 0:  // flip a byte
          if (!out.empty()) out[pick(out.size())] ^= static_cast<char>(1u << pick(8));
          break;
        case 1:  // insert a random byte
          out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)), static_cast<char>(pick(256)));
          break;
        case 2:  // delete a slice
          if (!out.empty()) {
            const std::size_t at = pick(out.size());
            out.erase(at, 1 + pick(std::min<std::size_t>(16, out.size() - at)));
          }
          break;
        case 3:  // splice with the other input
          if (!other.empty()) {
            const std::size_t from = pick(other.size());
            out.insert(pick(out.size() + 1), other.substr(from, 1 + pick(64)));
          }
          break;
        case 4:  // a dictionary token, sometimes many times over
          if (!dictionary_.empty()) {
            const std::string& token = dictionary_[pick(dictionary_.size())];
            std::string run;
            const std::size_t times = pick(4) == 0 ? 1 + pick(5000) : 1;
            for (std::size_t i = 0; i < times && run.size() < (1u << 20); ++i) run += token;
            out.insert(pick(out.size() + 1), run);
          }
          break;
        case 5:  // truncate
          if (!out.empty()) out.resize(pick(out.size()));
          break;
        case 6:  // repeat a slice (nests whatever it holds)
          if (!out.empty()) {
            const std::size_t at = pick(out.size());
            const std::string slice = out.substr(at, 1 + pick(32));
            std::string run;
            for (std::size_t i = 0, n = 1 + pick(200); i < n; ++i) run += slice;
            out.insert(at, run);
          }
          break;
        default:  // overwrite a byte with an interesting one
          if (!out.empty()) {
            static constexpr std::string_view kInteresting = "\"\\{}[]:,0-9e.\n\t &*!|>-#";
            out[pick(out.size())] = kInteresting[pick(kInteresting.size())];
          }
          break;
      }
    }
    if (out.size() > (4u << 20)) out.resize(4u << 20);
    return out;
  }

  std::size_t pick(std::size_t bound) { return bound == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, bound - 1)(rng_); }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> dictionary_;
};

// The time budget and seed of one fuzz target, and its one-line report.
class FuzzRun {
 public:
  explicit FuzzRun(std::string name) : name_(std::move(name)) {
    const char* seconds = std::getenv("PROPBOT_FUZZ_SECONDS");
    const char* seed = std::getenv("PROPBOT_FUZZ_SEED");
    seconds_ = seconds != nullptr && *seconds != '\0' ? std::atof(seconds) : 3.0;
    seed_ = seed != nullptr && *seed != '\0' ? std::strtoull(seed, nullptr, 10) : 1;
    if (seed_ == 0) seed_ = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    started_ = std::chrono::steady_clock::now();
  }
  ~FuzzRun() {
    std::cout << "[          ] " << name_ << ": " << inputs_ << " inputs, " << refused_ << " refused, 0 crashes, seed "
              << seed_ << ", " << elapsed() << " s (PROPBOT_FUZZ_SECONDS=" << seconds_ << ")\n";
  }

  bool more() const { return elapsed() < seconds_; }
  std::uint64_t seed() const { return seed_; }
  void count(bool refused) {
    ++inputs_;
    if (refused) ++refused_;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  std::string name_;
  double seconds_ = 3.0;
  std::uint64_t seed_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t inputs_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace propbot::fuzz
