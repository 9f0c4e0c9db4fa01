// validate(): the shipped bundle is clean; each kind of broken bundle is reported as
// bundle-path:line: message.
#include "core/bundle/validator.hpp"

#include "tests/unit/bundle/shipped_bundle_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace propbot::bundle {
namespace {

using ValidatorTest = ShippedBundleTest;

TEST_F(ValidatorTest, ShippedBundleValidatesClean) {
  EXPECT_TRUE(shipped_.find(kStrategy) != nullptr);
  EXPECT_TRUE(shipped_.has_policies());
  const std::vector<ValidationError> errors = validate(shipped_, config::Profile::paper);
  EXPECT_TRUE(errors.empty()) << describe(errors);
}

TEST_F(ValidatorTest, LuaSyntaxErrorIsReportedAtItsLine) {
  const auto errors = validate(with({{kStrategy, "local M = {name = 'cross_exchange_arb'}\n\nfunction M.on_book(ctx, ev)\n  if then\nend\nreturn M\n"}}),
                               config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kStrategy);
  EXPECT_EQ(errors[0].line, 4);
  EXPECT_EQ(format(errors[0]).rfind(std::string(kStrategy) + ":4: ", 0), 0u) << format(errors[0]);
}

TEST_F(ValidatorTest, RuntimeErrorInOnBookDryRunIsReportedAtItsLine) {
  const auto errors = validate(with({{kStrategy, "local M = {name = 'cross_exchange_arb', params = {min_spread_bps = {type = 'number', default = 4},\n"
                                                 "  exit_spread_bps = {type = 'number', default = 1}, notional_usdt = {type = 'number', default = 1000},\n"
                                                 "  taker_fee_bps = {type = 'number', default = 4}}}\n"
                                                 "function M.on_book(ctx, ev)\n"
                                                 "  local book = ctx:book(ev.venue, ev.symbol)\n"
                                                 "  return book.no_such_field.x\n"
                                                 "end\n"
                                                 "return M\n"}}),
                               config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kStrategy);
  EXPECT_EQ(errors[0].line, 6);
  EXPECT_NE(errors[0].message.find("on_book dry run"), std::string::npos) << errors[0].message;
}

TEST_F(ValidatorTest, DryRunMarketHasEveryVenueAtStartPricesAndOneDislocatedRound) {
  const auto errors = validate(with({{kStrategy, "local M = {name = 'cross_exchange_arb', params = {min_spread_bps = {type = 'number', default = 4},\n"
                                                 "  exit_spread_bps = {type = 'number', default = 1}, notional_usdt = {type = 'number', default = 1000},\n"
                                                 "  taker_fee_bps = {type = 'number', default = 4}}}\n"
                                                 "function M.on_book(ctx, ev)\n"
                                                 "  local venues = ctx:venues()\n"
                                                 "  local a, b = ctx:book(venues[1], ev.symbol), ctx:book(venues[#venues], ev.symbol)\n"
                                                 "  if ev.symbol == 'BTC-USDT' and math.abs(a.mid - 60000) > 60 then error('bad price') end\n"
                                                 "  if (b.mid - a.mid) / a.mid * 1e4 > 20 then error('dislocation seen') end\n"
                                                 "end\n"
                                                 "return M\n"}}),
                               config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].line, 8) << format(errors[0]);
  EXPECT_NE(errors[0].message.find("dislocation seen"), std::string::npos) << errors[0].message;
}

TEST_F(ValidatorTest, BudgetOverrunInDryRunIsAnError) {
  std::string script = *shipped_.find(kStrategy);
  const std::string head = "function M.on_book(ctx, ev)\n";
  const auto at = script.find(head);
  ASSERT_NE(at, std::string::npos);
  script.insert(at + head.size(), "  while true do end\n");
  const auto errors = validate(with({{kStrategy, script}}), config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kStrategy);
  EXPECT_NE(errors[0].message.find("budget"), std::string::npos) << errors[0].message;
}

// The 1-based line of the first `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return at == std::string::npos ? 0 : 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

// Issue 15 finding 6: a configured value the declaration refuses is the profile's line
// to fix, not the script's (which said `strategies/x.lua:0: param … above its max`).
TEST_F(ValidatorTest, AConfiguredParamAboveItsMaxPointsAtTheProfileLine) {
  const Bundle bundle = with_paper_edit("min_spread_bps: 4", "min_spread_bps: 5000");
  const auto errors = validate(bundle, config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kPaper);
  EXPECT_EQ(errors[0].line, line_of(*bundle.find(kPaper), "min_spread_bps: 5000"));
  EXPECT_EQ(errors[0].message,
            "strategies[0].params.min_spread_bps = 5000 is above its max 1000 (declared in "
            "strategies/cross_exchange_arb.lua)");
  EXPECT_EQ(format(errors[0]).rfind("configs/paper.yaml:" + std::to_string(errors[0].line) + ": strategies[0]", 0), 0u)
      << format(errors[0]);
}

TEST_F(ValidatorTest, EveryRefusedConfiguredParamPointsAtItsProfileLine) {
  struct Case {
    std::string from, to, needle, message;
  };
  const Case cases[] = {
      {"taker_fee_bps: 4", "taker_fee_bps: -1", "taker_fee_bps: -1",
       "strategies[0].params.taker_fee_bps = -1 is below its min 0"},
      {"taker_fee_bps: 4", "taker_fee_bps: \"4\"", "taker_fee_bps: \"4\"",
       "strategies[0].params.taker_fee_bps must be a number, got \"4\""},
      {"taker_fee_bps: 4", "taker_fee_bps: 4\n      taker_fees_bps: 5", "taker_fees_bps: 5",
       "strategies[0].params.taker_fees_bps is not a param strategies/cross_exchange_arb.lua declares"},
      // The second strategy of the profile: its own index and line.
      {"min_net_bps: 2", "min_net_bps: true", "min_net_bps: true", "strategies[1].params.min_net_bps must be a number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.to);
    const Bundle bundle = with_paper_edit(c.from, c.to);
    const auto errors = validate(bundle, config::Profile::paper);
    ASSERT_EQ(errors.size(), 1u) << describe(errors);
    EXPECT_EQ(errors[0].file, kPaper);
    EXPECT_EQ(errors[0].line, line_of(*bundle.find(kPaper), c.needle)) << describe(errors);
    EXPECT_EQ(errors[0].message.rfind(c.message, 0), 0u) << errors[0].message;
  }
}

TEST_F(ValidatorTest, ADefaultThatBreaksItsOwnDeclarationPointsAtTheScript) {
  std::string script = *shipped_.find(kStrategy);
  const std::string declaration = "    min_spread_bps  = {";
  const auto at = script.find(declaration);
  ASSERT_NE(at, std::string::npos);
  script.insert(at, "    lookback = { type = \"integer\", default = 50, max = 10 },\n");
  const auto errors = validate(with({{kStrategy, script}}), config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kStrategy);
  EXPECT_EQ(errors[0].message, "param 'lookback' = 50 is above its max 10") << errors[0].message;
}

TEST_F(ValidatorTest, YamlRangeErrorPointsIntoTheProfileFile) {
  const auto errors = validate(with_paper_edit("max_orders_per_min: 300", "max_orders_per_min: -3"), config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kPaper);
  EXPECT_GT(errors[0].line, 0);
  EXPECT_NE(errors[0].message.find("risk.max_orders_per_min"), std::string::npos) << errors[0].message;
  EXPECT_EQ(errors[0].message.find("FATAL CONFIG"), std::string::npos);
  EXPECT_EQ(errors[0].message.find("/tmp"), std::string::npos) << errors[0].message;  // no temp path leaks
}

TEST_F(ValidatorTest, MissingEnabledStrategyFileIsAnError) {
  const auto errors = validate(with_paper_edit("file: strategies/cross_exchange_arb.lua", "file: strategies/missing.lua"),
                               config::Profile::paper);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(describe(errors).find("strategies/missing.lua"), std::string::npos) << describe(errors);
}

TEST_F(ValidatorTest, MissingProfileFileIsAnError) {
  Bundle::Files files = shipped_.files();
  files.erase(kPaper);
  Result<Bundle> bundle = Bundle::from_files(files);
  ASSERT_TRUE(bundle.ok());
  const auto errors = validate(*bundle, config::Profile::paper);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].file, kPaper);
}

TEST_F(ValidatorTest, PolicyOutputOutOfBoundsIsAnError) {
  std::string regime = *shipped_.find("policies/regime.lua");
  const std::string head = "function M.classify(f)\n";
  const auto at = regime.find(head);
  ASSERT_NE(at, std::string::npos);
  regime.insert(at + head.size(), "  do return {regime = \"range\", confidence = 7} end\n");
  const auto errors = validate(with({{"policies/regime.lua", regime}}), config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, "policies/regime.lua");
  EXPECT_NE(errors[0].message.find("decide dry run"), std::string::npos) << errors[0].message;
}

TEST_F(ValidatorTest, PolicySyntaxErrorIsReportedAtItsLine) {
  const auto errors = validate(with({{"policies/sizing.lua", "local M = {}\nfunction M.size(\nreturn M\n"}}),
                               config::Profile::paper);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, "policies/sizing.lua");
  EXPECT_GT(errors[0].line, 0);
}

// A recorded market whose BTC book sits at `mid` on BINANCE (paper's first venue).
scripting::RecordedMarket recorded_at(double mid) {
  scripting::RecordedMarket market({"BINANCE", "OKX"}, UtcTime{});
  md::InstrumentSpec spec;
  spec.venue = "BINANCE";
  spec.symbol = "BTC-USDT";
  md::OrderBook book(spec);
  const auto bid = static_cast<std::int64_t>(mid / spec.tick_size);
  const std::vector<md::BookLevel> bids{{bid, 1000}}, asks{{bid + 1, 1000}};
  book.apply_snapshot(bids, asks, 7, MonoTime{});
  market.add(book);
  return market;
}

TEST_F(ValidatorTest, TheRecordedMarketIsDryRunFirstAndCatchesWhatSyntheticBooksDoNot) {
  // Fine at the synthetic prices (tens of thousands), broken on a real book below 1000.
  const std::string strategy =
      "local M = {name = 'cross_exchange_arb', params = {min_spread_bps = {type = 'number', default = 1},\n"
      " exit_spread_bps = {type = 'number', default = 1}, notional_usdt = {type = 'number', default = 1},\n"
      " taker_fee_bps = {type = 'number', default = 1}}}\n"
      "function M.on_book(ctx, ev)\n"
      "  local b = ctx:book(ev.venue, ev.symbol)\n"
      "  if b and b.bid < 1000 then error('cheap book: ' .. b.bid) end\n"
      "end\nreturn M\n";
  const Bundle bundle = with({{kStrategy, strategy}});
  EXPECT_TRUE(validate(bundle, config::Profile::paper).empty()) << "the synthetic rounds alone pass";
  const scripting::RecordedMarket healthy = recorded_at(60'000);
  EXPECT_TRUE(validate(bundle, config::Profile::paper, &healthy).empty());

  const scripting::RecordedMarket cheap = recorded_at(500);
  const auto errors = validate(bundle, config::Profile::paper, &cheap);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].file, kStrategy);
  EXPECT_EQ(errors[0].line, 6);
  EXPECT_NE(errors[0].message.find("on_book dry run on the recorded market (BINANCE BTC-USDT)"), std::string::npos)
      << errors[0].message;
  EXPECT_NE(errors[0].message.find("cheap book: 500"), std::string::npos) << errors[0].message;
}

TEST_F(ValidatorTest, OnlyAStrategyMarkedTrustedMayUseTheFfi) {
  std::string strategy = *shipped_.find(kStrategy);
  const auto at = strategy.find("\nreturn M");
  ASSERT_NE(at, std::string::npos);
  strategy.insert(at, "\nlocal scratch = ffi.new('double[4]')\n");
  const auto untrusted = validate(with({{kStrategy, strategy}}), config::Profile::paper);
  ASSERT_EQ(untrusted.size(), 1u) << describe(untrusted);
  EXPECT_EQ(untrusted[0].file, kStrategy);
  EXPECT_GT(untrusted[0].line, 0);
  EXPECT_NE(untrusted[0].message.find("'ffi' is not available"), std::string::npos) << untrusted[0].message;

  std::string yaml = *shipped_.find(kPaper);
  const std::string entry = "    file: strategies/cross_exchange_arb.lua";
  const auto line = yaml.find(entry);
  ASSERT_NE(line, std::string::npos);
  yaml.insert(yaml.find('\n', line) + 1, "    trusted: true\n");
  const auto trusted = validate(with({{kStrategy, strategy}, {kPaper, yaml}}), config::Profile::paper);
  EXPECT_TRUE(trusted.empty()) << describe(trusted);
}

TEST_F(ValidatorTest, TheDryRunSeesTheProfilesVenueFees) {
  // Fails unless ctx:fees reports the tier configured for BINANCE.
  const std::string strategy =
      "local M = {name = 'cross_exchange_arb', params = {min_spread_bps = {type = 'number', default = 1},\n"
      " exit_spread_bps = {type = 'number', default = 1}, notional_usdt = {type = 'number', default = 1},\n"
      " taker_fee_bps = {type = 'number', default = 1}}}\n"
      "function M.on_book(ctx, ev)\n"
      "  local f = ctx:fees('BINANCE')\n"
      "  if f.taker_bps ~= 7.5 or f.maker_bps ~= -1 then error('fees ' .. f.maker_bps .. '/' .. f.taker_bps) end\n"
      "end\nreturn M\n";
  const auto defaults = validate(with({{kStrategy, strategy}}), config::Profile::paper);
  ASSERT_EQ(defaults.size(), 1u) << describe(defaults);
  EXPECT_NE(defaults[0].message.find("fees 2/5"), std::string::npos) << defaults[0].message;

  std::string yaml = *shipped_.find(kPaper);
  const std::string from = "    kind: binance\n    maker_fee_bps: 2";
  const auto at = yaml.find(from);
  ASSERT_NE(at, std::string::npos) << "configs/paper.yaml lists BINANCE's fees under its kind";
  yaml.replace(at, from.size(), "    kind: binance\n    maker_fee_bps: -1");
  const std::string taker = "    maker_fee_bps: -1     # your fee tier per fill in bps (negative = rebate); ctx:fees reads it\n    taker_fee_bps: 5";
  const auto t = yaml.find(taker);
  ASSERT_NE(t, std::string::npos);
  yaml.replace(t, taker.size(), "    maker_fee_bps: -1\n    taker_fee_bps: 7.5");
  const auto configured = validate(with({{kStrategy, strategy}, {kPaper, yaml}}), config::Profile::paper);
  EXPECT_TRUE(configured.empty()) << describe(configured);
}

}  // namespace
}  // namespace propbot::bundle
