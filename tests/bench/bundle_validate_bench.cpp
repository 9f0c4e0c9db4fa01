// Bundle validation latency (SPEC S-7.5, S-13 "validate + apply ≤ 100 ms"):
// bundle::validate on the repository's own bundle (configs/, strategies/, policies/
// read once with read_bundle from the source tree), for each profile. One iteration =
// the whole validation: the bundle written to a scratch directory, the real config
// loader, every enabled strategy loaded and dry-run over a synthetic market, the policy
// pipeline loaded and checked, the scratch directory removed. errors counts what the
// validator reported (0 for a valid bundle; a non-zero figure means the repository's
// bundle does not validate under that profile and the time is that of a failing run).
// BM_BundleValidateIsolated is the same in the daemon's bounded child process (issue 10:
// fork + exec of the propbot binary, the bundle over a pipe, the answer back): the
// difference is what isolation costs per validate.
#include <benchmark/benchmark.h>

#include <string>

#include "core/bundle/bundle.hpp"
#include "core/bundle/isolated_validator.hpp"
#include "core/bundle/validator.hpp"

namespace {

using namespace propbot;

void BM_BundleValidate(benchmark::State& state, config::Profile profile) {
  auto bundle = bundle::read_bundle(PROPBOT_SOURCE_DIR);
  if (!bundle) {
    state.SkipWithError(bundle.error().message.c_str());
    return;
  }
  std::size_t errors = 0;
  for (auto _ : state) {
    const auto found = bundle::validate(*bundle, profile);
    errors = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["files"] = static_cast<double>(bundle->size());
}
BENCHMARK_CAPTURE(BM_BundleValidate, paper, config::Profile::paper)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BundleValidate, testnet, config::Profile::testnet)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BundleValidate, live, config::Profile::live)->Unit(benchmark::kMillisecond);

void BM_BundleValidateIsolated(benchmark::State& state) {
  auto bundle = bundle::read_bundle(PROPBOT_SOURCE_DIR);
  if (!bundle) {
    state.SkipWithError(bundle.error().message.c_str());
    return;
  }
  bundle::IsolationOptions options;
  options.executable = PROPBOT_BINARY;
  std::size_t errors = 0;
  for (auto _ : state) {
    const auto found = bundle::validate_isolated(options, *bundle, config::Profile::paper, nullptr);
    errors = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.counters["errors"] = static_cast<double>(errors);
}
BENCHMARK(BM_BundleValidateIsolated)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
