// The tape's wire form: a round trip keeps every event (times, levels, funding decimals,
// instruments), and malformed documents are refused naming the field.
#include "core/shadow/tape_json.hpp"

#include <gtest/gtest.h>

#include "tests/unit/shadow/tape_books.hpp"

namespace propbot::shadow {
namespace {

using nlohmann::json;

TEST(TapeJson, RoundTripKeepsEveryEvent) {
  engine::MarketTape tape(engine::tape_options(300, 1000, 3));
  const MonoTime t0{std::chrono::seconds(50)};
  tape.on_book(testing::book_of("SIM-A", 100.00, 100.02, 5, 11, t0), t0);
  venues::FundingInfo info;
  info.symbol = "BTC-USDT";
  info.funding_rate = *Decimal::parse("-0.00012");
  info.mark_price = *Decimal::parse("100.01");
  info.index_price = *Decimal::parse("100.00");
  info.next_funding_time = UtcTime{std::chrono::milliseconds(1'700'000'060'000)};
  tape.on_funding("SIM-B", info, t0 + std::chrono::milliseconds(1500));
  tape.on_book(testing::book_of("SIM-B", 100.10, 100.12, 2, 12, t0 + std::chrono::milliseconds(2250)),
               t0 + std::chrono::milliseconds(2250));
  const UtcTime utc_now{std::chrono::seconds(1'700'000'010)};
  auto view = tape.view(t0 + std::chrono::seconds(5), utc_now);
  ASSERT_TRUE(view);

  const json wire = tape_to_json(*view);
  auto back = tape_from_json(json::parse(wire.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->events(), 3u);
  EXPECT_EQ(back->window_s, 300);
  EXPECT_EQ(back->depth, 3);
  std::vector<std::string> seen;
  MonoTime first{};
  back->for_each([&](const engine::TapeEvent& event, const engine::TapeBlock& block) {
    if (seen.empty()) first = event.at;
    const auto& spec = (*back->instruments)[event.instrument];
    std::string line = spec.venue + " +" +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(event.at - first).count());
    if (event.kind == engine::TapeEventKind::book) {
      line += " seq " + std::to_string(event.sequence) + " " + std::to_string(event.bids) + "x" +
              std::to_string(event.asks) + " best " + std::to_string(block.levels[event.first_level].price_ticks) +
              "/" + std::to_string(block.levels[event.first_level + event.bids].price_ticks);
    } else {
      line += " funding " + event.funding_rate.to_string() + " " + event.mark_price.to_string() + " " +
              std::to_string(event.next_funding_ms);
    }
    seen.push_back(line);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"SIM-A +0 seq 11 3x3 best 10000/10002",
                                            "SIM-B +1500 funding -0.00012 100.01 1700000060000",
                                            "SIM-B +2250 seq 12 2x2 best 10010/10012"}));
  // UTC: the first event's instant is kept (the view maps monotonic to UTC).
  EXPECT_EQ(to_unix_ms(back->utc_of(first)), to_unix_ms(view->utc_of(t0)));
}

TEST(TapeJson, RefusesMalformedDocuments) {
  json instrument = json::object();
  instrument["venue"] = "A";
  instrument["symbol"] = "BTC-USDT";
  instrument["tick_size"] = 0.01;
  instrument["lot_size"] = 0.01;
  json instruments = json::array();
  instruments.push_back(instrument);
  auto refused = [&](json events) {
    auto got = tape_from_json(json{{"utc_ms", 0}, {"instruments", instruments}, {"events", std::move(events)}});
    return got.ok() ? std::string("ok") : got.error().message;
  };
  EXPECT_NE(refused(json::array({json::array({0, 0, 5, 1, json::array(), json::array()})})).find("no instrument 5"),
            std::string::npos);
  EXPECT_NE(refused(json::array({json::array({0, 10, 0, 1, json::array(), json::array()}),
                                 json::array({0, 5, 0, 2, json::array(), json::array()})}))
                .find("must not decrease"),
            std::string::npos);
  EXPECT_NE(refused(json::array({json::array({0, 0, 0, 1, json::array({1}), json::array()})})).find("flat array"),
            std::string::npos);
  EXPECT_NE(refused(json::array({json::array({1, 0, 0, "x", "1", "1", 0})})).find("decimal"), std::string::npos);
  EXPECT_NE(refused(json::array({json::array({7, 0, 0})})).find("kind"), std::string::npos);
  EXPECT_EQ(refused(json::array()), "ok");
}

}  // namespace
}  // namespace propbot::shadow
