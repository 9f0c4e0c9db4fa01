// What bounding JSON costs (issue 10, finding 1): the depth scan every untrusted
// document now gets before nlohmann builds it, against the parse itself — on a 1 MiB
// API body (the largest the server accepts) and on a venue reply of a few hundred bytes
// (the fixture of a Binance order result).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/common/json_util.hpp"

namespace {

using namespace propbot;

std::string one_mib_body() {
  std::string body = "{\"files\":{\"strategies/x.lua\":\"";
  while (body.size() < (1u << 20) - 64) body += "local x = {1, 2, 3} -- [[ brackets in a string ]] ";
  body += "\",\"list\":[[1,2],[3,[4,5]]]}}";
  return body;
}

std::string venue_reply() {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/binance/order_result.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void BM_JsonDepthScan(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(json_depth_exceeded_at(text, kMaxRequestJsonDepth));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_JsonParseBounded(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_json(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_JsonParseUnbounded(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(text, nullptr, false));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

const std::string kBody = one_mib_body();
const std::string kReply = venue_reply();
BENCHMARK_CAPTURE(BM_JsonDepthScan, api_body_1MiB, kBody);
BENCHMARK_CAPTURE(BM_JsonParseBounded, api_body_1MiB, kBody);
BENCHMARK_CAPTURE(BM_JsonParseUnbounded, api_body_1MiB, kBody);
BENCHMARK_CAPTURE(BM_JsonDepthScan, venue_reply, kReply);
BENCHMARK_CAPTURE(BM_JsonParseBounded, venue_reply, kReply);
BENCHMARK_CAPTURE(BM_JsonParseUnbounded, venue_reply, kReply);

}  // namespace
