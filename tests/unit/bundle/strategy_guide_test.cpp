// docs/STRATEGY_GUIDE.md cannot rot: its worked example is taken out of the guide
// itself (the fenced blocks after the `<!-- example: … -->` marker lines), added to the
// shipped bundle and enabled in configs/paper.yaml, and must pass the same validation
// as `propbot config validate` and POST /api/ui/config/validate. The strategy is then
// driven over a two-venue fake market to check what the guide says it does (proposes
// on a wide spread net of fees and slippage, not on a narrow one, keeps its cooldown
// and hands it over through migrate), and every error message the guide's
// troubleshooting table quotes is produced by the broken variant it describes.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/bundle/bundle.hpp"
#include "core/bundle/scratch_directory.hpp"
#include "core/bundle/validator.hpp"
#include "core/common/clock.hpp"
#include "core/md/order_book.hpp"
#include "scripting/market_view.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kGuide = "docs/STRATEGY_GUIDE.md";
constexpr const char* kLuaMarker = "strategies/spread_watch.lua";
constexpr const char* kProfileMarker = "configs/paper.yaml strategies entry";
constexpr const char* kLuaPath = "strategies/spread_watch.lua";
constexpr const char* kProfilePath = "configs/paper.yaml";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const std::string& guide() {
  static const std::string text = read_text(fs::path(PROPBOT_SOURCE_DIR) / kGuide);
  return text;
}

// The body of the fenced block that follows the line `<!-- example: NAME -->`.
std::optional<std::string> example_block(const std::string& doc, const std::string& name) {
  const std::string marker = "<!-- example: " + name + " -->";
  const std::size_t at = doc.find(marker);
  if (at == std::string::npos || doc.find(marker, at + 1) != std::string::npos) return std::nullopt;
  const std::size_t fence = doc.find("\n```", at);
  if (fence == std::string::npos) return std::nullopt;
  // Only blank space between the marker and its fence.
  for (std::size_t i = at + marker.size(); i < fence; ++i) {
    if (doc[i] != ' ' && doc[i] != '\n') return std::nullopt;
  }
  const std::size_t body = doc.find('\n', fence + 1);
  if (body == std::string::npos) return std::nullopt;
  const std::size_t end = doc.find("\n```", body);
  if (end == std::string::npos) return std::nullopt;
  return doc.substr(body + 1, end - body);  // keeps the last line's newline
}

std::string example_lua() {
  auto block = example_block(guide(), kLuaMarker);
  return block.value_or("");
}

std::string example_entry() {
  auto block = example_block(guide(), kProfileMarker);
  return block.value_or("");
}

// configs/paper.yaml as shipped, with `entry` as the first item of its strategies: list.
std::string profile_with(const std::string& shipped, const std::string& entry) {
  const std::string anchor = "\nstrategies:\n";
  const std::size_t at = shipped.find(anchor);
  if (at == std::string::npos) return {};
  std::string out = shipped;
  out.insert(at + anchor.size(), entry);
  return out;
}

// `text` with the first `from` replaced by `to`; fails the test when `from` is absent
// (the guide's example changed under the troubleshooting variant).
std::string replaced(const std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "the example no longer contains: " << from;
  if (at == std::string::npos) return text;
  std::string out = text;
  out.replace(at, from.size(), to);
  return out;
}

std::string joined(const std::vector<bundle::ValidationError>& errors) {
  std::string out;
  for (const auto& error : errors) out += bundle::format(error) + "\n";
  return out;
}

class StrategyGuideBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(guide().empty()) << "cannot read " << kGuide;
    lua_ = example_lua();
    entry_ = example_entry();
    ASSERT_FALSE(lua_.empty()) << "no fenced block after <!-- example: " << kLuaMarker << " --> in " << kGuide;
    ASSERT_FALSE(entry_.empty()) << "no fenced block after <!-- example: " << kProfileMarker << " --> in " << kGuide;
    auto shipped = bundle::read_bundle(PROPBOT_SOURCE_DIR);
    ASSERT_TRUE(shipped) << shipped.error().message;
    shipped_ = *shipped;
    ASSERT_NE(shipped_.find(kProfilePath), nullptr);
    profile_ = profile_with(*shipped_.find(kProfilePath), entry_);
    ASSERT_FALSE(profile_.empty()) << "configs/paper.yaml has no top-level strategies: list";
  }

  Result<bundle::Bundle> bundle_of(const std::string& lua, const std::string& profile) const {
    return shipped_.with_overrides({{kLuaPath, lua}, {kProfilePath, profile}});
  }

  std::vector<bundle::ValidationError> validate(const std::string& lua, const std::string& profile) const {
    auto candidate = bundle_of(lua, profile);
    EXPECT_TRUE(candidate) << candidate.error().message;
    if (!candidate) return {{"", 0, candidate.error().message}};
    return bundle::validate(*candidate, config::Profile::paper);
  }

  std::string lua_;
  std::string entry_;
  std::string profile_;
  bundle::Bundle shipped_;
};

TEST_F(StrategyGuideBundle, TheExampleIsEnabledInThePaperProfileAndTheBundleValidates) {
  EXPECT_NE(entry_.find("name: spread_watch"), std::string::npos) << entry_;
  EXPECT_NE(entry_.find("file: strategies/spread_watch.lua"), std::string::npos) << entry_;
  EXPECT_NE(entry_.find("enabled: true"), std::string::npos) << entry_;
  EXPECT_NE(lua_.find("name = \"spread_watch\""), std::string::npos);

  const auto errors = validate(lua_, profile_);
  EXPECT_TRUE(errors.empty()) << joined(errors);
  // The guide says validate reports "bundle OK: N files": one file more than shipped.
  auto candidate = bundle_of(lua_, profile_);
  ASSERT_TRUE(candidate);
  EXPECT_EQ(candidate->size(), shipped_.size() + (shipped_.find(kLuaPath) == nullptr ? 1u : 0u));
}

// ---- the strategy's behaviour, over a fake market ---------------------------------

class TwoVenueMarket final : public scripting::MarketView {
 public:
  TwoVenueMarket() : venues_{"BINANCE", "OKX"} {}

  // 20 levels a side, `step_ticks` ticks of 0.1 apart, `lots` (of 0.001 BTC) on each.
  void set(const std::string& venue, double bid, double ask, MonoTime at, std::int64_t lots = 10'000,
           std::int64_t step_ticks = 10) {
    md::InstrumentSpec spec{venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
    std::vector<md::BookLevel> bids, asks;
    const auto best_bid = static_cast<std::int64_t>(bid / 0.1 + 0.5);
    const auto best_ask = static_cast<std::int64_t>(ask / 0.1 + 0.5);
    for (int i = 0; i < 20; ++i) {
      bids.push_back({best_bid - i * step_ticks, lots});
      asks.push_back({best_ask + i * step_ticks, lots});
    }
    auto it = books_.find(venue);
    if (it == books_.end()) it = books_.emplace(venue, md::OrderBook(spec)).first;
    it->second.apply_snapshot(bids, asks, ++sequence_, at);
  }

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(std::string(venue));
    if (it == books_.end() || symbol != "BTC-USDT") return nullptr;
    return &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
  std::map<std::string, md::OrderBook> books_;
  std::uint64_t sequence_ = 0;
};

class StrategyGuideExample : public StrategyGuideBundle {
 protected:
  void SetUp() override {
    StrategyGuideBundle::SetUp();
    if (HasFatalFailure()) return;
    // The params and limits the profile entry of the guide configures, through the
    // daemon's own loader.
    auto candidate = bundle_of(lua_, profile_);
    ASSERT_TRUE(candidate) << candidate.error().message;
    bundle::ScratchDirectory root;
    ASSERT_FALSE(root.path().empty());
    ASSERT_TRUE(candidate->write_to(root.path()));
    std::vector<bundle::ValidationError> errors;
    auto config = bundle::load_profile_at(root.path(), config::Profile::paper, config::LoadOptions{}, errors);
    ASSERT_TRUE(config.has_value()) << joined(errors);
    for (const auto& strategy : config->strategies) {
      if (strategy.name == "spread_watch") params_ = strategy.params;
    }
    ASSERT_TRUE(params_.is_object()) << "spread_watch is not in the loaded profile";
    limits_.instruction_budget = config->scripting.instruction_budget;
    limits_.memory_limit_bytes = static_cast<std::size_t>(config->scripting.memory_limit_mb) << 20;
    max_faults_ = config->scripting.max_consecutive_errors;
    // What the script sees: the configured values over its declared defaults.
    auto probe = load();
    ASSERT_TRUE(probe) << probe.error().message;
    effective_ = (*probe)->params();
  }

  Result<std::unique_ptr<scripting::StrategyRunner>> load(std::optional<json> previous = std::nullopt,
                                                          const std::string* source = nullptr,
                                                          scripting::StrategyEnv env = {}) {
    scripting::StrategySpec spec;
    spec.name = "spread_watch";
    spec.display_name = kLuaPath;
    spec.source = source != nullptr ? *source : lua_;
    spec.params = params_;
    return scripting::StrategyRunner::load(spec, limits_, clock_, market_, max_faults_, {}, std::move(env),
                                           std::move(previous));
  }

  // BINANCE around 60 000; OKX's bid `bps` above BINANCE's ask. Both books are deep
  // (10 BTC a level) unless `okx_lots` / `okx_step_ticks` say otherwise.
  void spread(double bps, std::int64_t okx_lots = 10'000, std::int64_t okx_step_ticks = 10) {
    const double ask = 60'000.0;
    const double okx_bid = ask * (1 + bps / 10'000);
    market_.set("BINANCE", ask - 0.1, ask, clock_.now());
    market_.set("OKX", okx_bid, okx_bid + 0.1, clock_.now(), okx_lots, okx_step_ticks);
  }

  std::vector<Intent> book_event(scripting::StrategyRunner& runner) {
    std::vector<Intent> out;
    runner.on_book({"OKX", "BTC-USDT"}, out);
    EXPECT_FALSE(runner.stats().last_fault.has_value()) << runner.stats().last_fault->message;
    return out;
  }

  double param(const char* name) const { return effective_.at(name).get<double>(); }

  SimClock clock_;
  TwoVenueMarket market_;
  json params_;     // as configured in the guide's profile entry
  json effective_;  // as the script sees them (ctx.params)
  scripting::SandboxLimits limits_;
  int max_faults_ = 5;
};

TEST_F(StrategyGuideExample, ProposesTheProfitableDirectionWhenTheSpreadBeatsFeesAndSlippage) {
  auto runner = load();
  ASSERT_TRUE(runner) << runner.error().message;
  // Default fees (no FeeSchedule given): taker 5 bps a fill, four fills = 20 bps.
  spread(30);
  const auto intents = book_event(**runner);
  ASSERT_EQ(intents.size(), 1u);
  const Intent& intent = intents[0];
  EXPECT_EQ(intent.strategy, "spread_watch");
  EXPECT_EQ(intent.kind, IntentKind::hedged_pair);
  EXPECT_EQ(intent.symbol, "BTC-USDT");
  EXPECT_EQ(intent.long_venue, "BINANCE");
  EXPECT_EQ(intent.short_venue, "OKX");
  EXPECT_DOUBLE_EQ(intent.notional_usdt.to_double(), param("notional_usdt"));
  EXPECT_NEAR(intent.spread_bps, 30, 0.05);
  EXPECT_NEAR(intent.net_spread_bps, 30 - 20, 0.05);
  EXPECT_NEAR(intent.long_price.to_double(), 60'000, 0.01);
  ASSERT_TRUE(intent.max_slippage_bps.has_value());
  ASSERT_TRUE(intent.time_guard_ms.has_value());
  EXPECT_DOUBLE_EQ(*intent.time_guard_ms, param("time_guard_ms"));
  EXPECT_NE(intent.reason.find("net 10.0 bps"), std::string::npos) << intent.reason;
}

TEST_F(StrategyGuideExample, StaysQuietWhenTheSpreadDoesNotCoverTheCosts) {
  auto runner = load();
  ASSERT_TRUE(runner) << runner.error().message;
  spread(20);  // 20 bps gross - 20 bps of fees = 0 < min_net_bps
  EXPECT_TRUE(book_event(**runner).empty());
  spread(-5);  // crossed the other way by less than the fees: nothing either way
  EXPECT_TRUE(book_event(**runner).empty());
}

TEST_F(StrategyGuideExample, SlippageFromTheBookWalkCounts) {
  auto runner = load();
  ASSERT_TRUE(runner) << runner.error().message;
  // 30 bps at the top, but each OKX level holds 0.001 BTC (60 USDT) and the levels are
  // 30 USDT (5 bps) apart: selling the notional walks nine levels down, and the 10 bps
  // left after fees are gone.
  spread(30, 1, 300);
  EXPECT_TRUE(book_event(**runner).empty());
  spread(30);  // the same top of book, deep: proposes
  EXPECT_EQ(book_event(**runner).size(), 1u);
}

TEST_F(StrategyGuideExample, UsesEachVenuesTakerFeeFromCtxFees) {
  scripting::StrategyEnv env;
  env.fees["BINANCE"] = {0.0, 1.0};
  env.fees["OKX"] = {0.0, 1.0};
  auto runner = load(std::nullopt, nullptr, env);
  ASSERT_TRUE(runner) << runner.error().message;
  spread(20);  // 20 bps gross - 4 × 1 bps = 16 bps net
  const auto intents = book_event(**runner);
  ASSERT_EQ(intents.size(), 1u);
  EXPECT_NEAR(intents[0].net_spread_bps, 16, 0.05);
}

TEST_F(StrategyGuideExample, CooldownHoldsThenLetsTheNextProposalThrough) {
  auto runner = load();
  ASSERT_TRUE(runner) << runner.error().message;
  const auto cooldown = std::chrono::milliseconds(static_cast<std::int64_t>(param("cooldown_ms")));
  spread(30);
  EXPECT_EQ(book_event(**runner).size(), 1u);
  clock_.advance(cooldown / 2);
  spread(30);
  EXPECT_TRUE(book_event(**runner).empty()) << "inside the cooldown";
  clock_.advance(cooldown / 2 + 1ms);
  spread(30);
  EXPECT_EQ(book_event(**runner).size(), 1u) << "after the cooldown";
  auto state = (*runner)->state_snapshot();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["proposals"], 2) << state->dump();
  EXPECT_EQ((*state)["version"], 2) << state->dump();
}

TEST_F(StrategyGuideExample, MigrateCarriesTheCooldownAndCountIntoTheNextVersion) {
  auto v1 = load();
  ASSERT_TRUE(v1) << v1.error().message;
  spread(30);
  ASSERT_EQ(book_event(**v1).size(), 1u);
  // Hot reload: the engine hands the running version's ctx.state to the new one.
  auto handed = (*v1)->state_snapshot();
  ASSERT_TRUE(handed) << handed.error().message;
  auto v2 = load(*handed);
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ((*v2)->timer_count(), 1u) << "on_start ran after migrate and set the prune timer";
  clock_.advance(100ms);
  spread(30);
  EXPECT_TRUE(book_event(**v2).empty()) << "the cooldown started by v1 holds in v2";
  clock_.advance(std::chrono::milliseconds(static_cast<std::int64_t>(param("cooldown_ms"))));
  spread(30);
  EXPECT_EQ(book_event(**v2).size(), 1u);
  auto state = (*v2)->state_snapshot();
  ASSERT_TRUE(state);
  EXPECT_EQ((*state)["proposals"], 2) << "v1's count carried on: " << state->dump();

  // A state of a shape this version does not know is dropped field by field, not fatal.
  auto odd = load(json{{"cooldowns", "not a table"}, {"proposals", "seven"}, {"other", {1, 2, 3}}});
  ASSERT_TRUE(odd) << odd.error().message;
  auto fresh = (*odd)->state_snapshot();
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)["proposals"], 0) << fresh->dump();
  EXPECT_FALSE(fresh->contains("other")) << fresh->dump();
  spread(30);
  EXPECT_EQ(book_event(**odd).size(), 1u);
}

TEST_F(StrategyGuideExample, ThePruneTimerForgetsCooldownsThatRanOut) {
  auto runner = load();
  ASSERT_TRUE(runner) << runner.error().message;
  spread(30);
  ASSERT_EQ(book_event(**runner).size(), 1u);
  auto before = (*runner)->state_snapshot();
  ASSERT_TRUE(before);
  EXPECT_EQ((*before)["cooldowns"].size(), 1u) << before->dump();
  clock_.advance(10'001ms);
  std::vector<Intent> out;
  EXPECT_EQ((*runner)->fire_due_timers(clock_.now(), out), 1u);
  auto after = (*runner)->state_snapshot();
  ASSERT_TRUE(after);
  EXPECT_TRUE((*after)["cooldowns"].empty()) << after->dump();
}

TEST_F(StrategyGuideExample, RepeatedFaultsFreezeTheStrategyAfterMaxConsecutiveErrors) {
  const std::string broken = replaced(lua_, "function M.on_book(ctx, ev)\n", "function M.on_book(ctx, ev)\n  error('boom')\n");
  auto runner = load(std::nullopt, &broken);
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> out;
  for (int i = 0; i < max_faults_ + 2; ++i) (*runner)->on_book({"OKX", "BTC-USDT"}, out);
  const auto& stats = (*runner)->stats();
  EXPECT_TRUE(stats.frozen);
  EXPECT_EQ(stats.faults, static_cast<std::uint64_t>(max_faults_)) << "a frozen strategy is no longer called";
  ASSERT_TRUE(stats.last_fault.has_value());
  EXPECT_EQ(stats.last_fault->file, kLuaPath);
  EXPECT_GT(stats.last_fault->line, 0);
  EXPECT_NE(guide().find("consecutive script faults"), std::string::npos);
  EXPECT_NE(stats.freeze_reason.find("consecutive script faults"), std::string::npos) << stats.freeze_reason;
}

// ---- the troubleshooting table ----------------------------------------------------

struct Broken {
  std::string what;
  std::function<std::string(const std::string&)> lua;      // example → broken example
  std::function<std::string(const std::string&)> entry;    // profile entry → broken entry
  std::string file;                                        // where the error must point
  bool has_line;                                           // a line number > 0 expected
  std::vector<std::string> messages;                       // each quoted in the guide, verbatim
};

std::string same(const std::string& text) { return text; }

TEST_F(StrategyGuideBundle, EveryTroubleshootingMessageComesFromItsBrokenVariant) {
  const std::string lua = kLuaPath;
  const std::string yaml = kProfilePath;
  const std::vector<Broken> cases = {
      {"a missing end",
       [](const std::string& s) {
         return replaced(s, "if i ~= j then consider(ctx, ev.symbol, venues[i], venues[j], now) end\n",
                         "if i ~= j then consider(ctx, ev.symbol, venues[i], venues[j], now)\n");
       },
       same, lua, true, {"'end' expected (to close 'function' at line 68) near '<eof>'"}},
      {"no return M",
       [](const std::string& s) { return replaced(s, "\nreturn M\n", "\n"); },
       same, lua, false, {"the strategy must return a table (its module)"}},
      {"on_book misspelt",
       [](const std::string& s) { return replaced(s, "function M.on_book(", "function M.onbook("); },
       same, lua, false, {"the module has no on_book(ctx, ev) function"}},
      {"name differs from the profile",
       [](const std::string& s) { return replaced(s, "name = \"spread_watch\"", "name = \"spreadwatch\""); },
       same, lua, false, {"module name 'spreadwatch' does not match the configured strategy 'spread_watch'"}},
      // A configured value the declaration refuses points at the profile's line
      // (issue 15 finding 6), not at the script.
      {"param above its max", same,
       [](const std::string& s) { return replaced(s, "min_net_bps: 3", "min_net_bps: 5000"); },
       yaml, true,
       {"strategies[0].params.min_net_bps = 5000 is above its max 500 (declared in strategies/spread_watch.lua)"}},
      {"param quoted in YAML", same,
       [](const std::string& s) { return replaced(s, "min_net_bps: 3", "min_net_bps: \"3\""); },
       yaml, true,
       {"strategies[0].params.min_net_bps must be a number, got \"3\" (declared in strategies/spread_watch.lua)"}},
      {"param the script does not declare", same,
       [](const std::string& s) { return replaced(s, "min_net_bps: 3", "min_net_bps: 3\n      min_spread_bps: 4"); },
       yaml, true, {"strategies[0].params.min_spread_bps is not a param strategies/spread_watch.lua declares"}},
      {"integer param with a fraction", same,
       [](const std::string& s) { return replaced(s, "cooldown_ms: 2000", "cooldown_ms: 1500.5"); },
       yaml, true,
       {"strategies[0].params.cooldown_ms must be an integer, got 1500.5 (declared in strategies/spread_watch.lua)"}},
      {"strategy name not snake_case", same,
       [](const std::string& s) { return replaced(s, "name: spread_watch", "name: SpreadWatch"); },
       yaml, true,
       {"strategies[0].name = 'SpreadWatch': must be lower-case snake_case: a letter, then letters, digits or '_', "
        "at most 64 characters"}},
      {"file misspelt in the profile", same,
       [](const std::string& s) { return replaced(s, "file: strategies/spread_watch.lua", "file: strategies/spread_wach.lua"); },
       yaml, true,
       {"strategies[0].file = 'strategies/spread_wach.lua': file not found: strategies/spread_wach.lua"}},
      {"a typo in a field name (nil arithmetic)",
       [](const std::string& s) { return replaced(s, "ctx:fees(long).taker_bps", "ctx:fees(long).taker"); },
       same, lua, true,
       {"strategies/spread_watch.lua:32: on_book dry run (BINANCE BTC-USDT): attempt to perform arithmetic on field "
        "'taker' (a nil value)"}},
      {"a negative notional",
       [](const std::string& s) { return replaced(s, "notional_usdt = p.notional_usdt,", "notional_usdt = -p.notional_usdt,"); },
       same, lua, true, {"ctx:propose: field 'notional_usdt' must be a finite number > 0, got -500"}},
      {"a venue the profile does not have",
       [](const std::string& s) { return replaced(s, "long_venue = long,", "long_venue = \"BINANACE\","); },
       same, lua, true,
       {"ctx:propose: field 'long_venue' names venue \"BINANACE\", which this profile does not have (venues: "
        "BINANCE, OKX)"}},
      {"both legs on one venue",
       [](const std::string& s) { return replaced(s, "long_venue = long,", "long_venue = short,"); },
       same, lua, true, {"ctx:propose: long_venue and short_venue must differ"}},
      {"a field of the other kind",
       [](const std::string& s) { return replaced(s, "long_venue = long,", "long_venue = long,\n    side = \"buy\","); },
       same, lua, true,
       {"ctx:propose: field 'side' is not used by kind \"hedged_pair\" (a pair has long_venue, short_venue, long_price "
        "and short_price)"}},
      {"propose outside on_book/on_fill/on_timer",
       [](const std::string& s) {
         return replaced(s, "  ctx:set_timer(\"prune\", PRUNE_EVERY_MS, true)\n",
                         "  ctx:set_timer(\"prune\", PRUNE_EVERY_MS, true)\n  ctx:propose{symbol = \"BTC-USDT\", long_venue = \"BINANCE\", short_venue = \"OKX\", notional_usdt = 1}\n");
       },
       same, lua, true,
       {"on_start failed at strategies/spread_watch.lua:108: ctx:propose may only be "
        "called from on_book, on_fill or on_timer"}},
      {"a timer without on_timer",
       [](const std::string& s) { return replaced(s, "function M.on_timer(", "function M.on_tick("); },
       same, lua, true, {"ctx:set_timer: the strategy has no on_timer(ctx, name, now_ms)"}},
      {"print instead of ctx:log",
       [](const std::string& s) { return replaced(s, "  local venues = ctx:venues()\n", "  print(ev.symbol)\n  local venues = ctx:venues()\n"); },
       same, lua, true, {"'print' is not available in the PropBot sandbox (strategies log with ctx:log)"}},
      {"an endless loop",
       [](const std::string& s) { return replaced(s, "  local venues = ctx:venues()\n", "  while true do end\n  local venues = ctx:venues()\n"); },
       same, lua, true, {"instruction budget exceeded (1000000 instructions per call)"}},
      {"a pattern that backtracks",
       [](const std::string& s) {
         return replaced(s, "  local venues = ctx:venues()\n",
                         "  local found = (\"a\"):rep(28):find((\"a-\"):rep(28) .. \"b\")\n  local venues = ctx:venues()\n");
       },
       same, lua, true,
       {"instruction budget exceeded (1000000 instructions per call; the work of string.find counts against it)"}},
      {"a loop of '..' on long strings",
       [](const std::string& s) {
         return replaced(s, "  local venues = ctx:venues()\n",
                         "  local big = (\"x\"):rep(2^23)\n  while true do local twice = big .. big end\n"
                         "  local venues = ctx:venues()\n");
       },
       same, lua, true,
       {"time limit exceeded (500 ms of CPU time per call; one '..', comparison or call on long strings or many "
        "values can take milliseconds, and counts as one instruction)"}},
      {"unbounded recursion",
       [](const std::string& s) {
         return replaced(s, "  local venues = ctx:venues()\n",
                         "  local function f() return 1 + f() end\n  f()\n  local venues = ctx:venues()\n");
       },
       same, lua, true, {"stack overflow (a Lua thread holds at most 65500 stack slots: unbounded recursion?)"}},
      {"a runaway allocation",
       [](const std::string& s) {
         return replaced(s, "  local venues = ctx:venues()\n",
                         "  ctx.state.blob = string.rep(\"x\", 128 * 1024 * 1024)\n  local venues = ctx:venues()\n");
       },
       same, lua, true,
       {"not enough memory (memory limit 67108864 bytes; an allocation of 134217728 bytes was refused)"}},
      {"a function kept in ctx.state",
       [](const std::string& s) {
         return replaced(s, "  s.proposals = s.proposals or 0\n",
                         "  s.proposals = s.proposals or 0\n  s.format = function(x) return tostring(x) end\n");
       },
       same, lua, false,
       {"on_stop: state.format: a function cannot be saved (state must be plain data: tables, strings, numbers, "
        "booleans)"}},
  };
  for (const Broken& b : cases) {
    SCOPED_TRACE(b.what);
    const std::string broken_lua = b.lua(lua_);
    const std::string broken_profile = profile_with(*shipped_.find(kProfilePath), b.entry(entry_));
    const auto errors = validate(broken_lua, broken_profile);
    ASSERT_FALSE(errors.empty()) << "the validator accepted the broken variant";
    const std::string all = joined(errors);
    for (const std::string& message : b.messages) {
      EXPECT_NE(all.find(message), std::string::npos) << "the validator says:\n" << all << "the guide quotes:\n" << message;
      EXPECT_NE(guide().find(message), std::string::npos) << "the guide does not quote: " << message;
    }
    EXPECT_EQ(errors.front().file, b.file) << all;
    if (b.has_line) {
      EXPECT_GT(errors.front().line, 0) << all;
    }
  }
}

// The whole line the guide quotes for a refused param: the profile's file and the line
// of the value (issue 15 finding 6), as `propbot config validate` prints it.
TEST_F(StrategyGuideBundle, ARefusedParamIsQuotedAtItsProfileLine) {
  const auto errors = validate(lua_, profile_with(*shipped_.find(kProfilePath),
                                                  replaced(entry_, "min_net_bps: 3", "min_net_bps: 5000")));
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  const std::string line = bundle::format(errors.front());
  EXPECT_EQ(errors.front().file, kProfilePath) << line;
  // The guide wraps the quote over lines; compare with its whitespace collapsed.
  std::string flat;
  for (const char c : guide()) {
    if (c == '\n' || c == ' ') {
      if (!flat.empty() && flat.back() != ' ') flat += ' ';
    } else {
      flat += c;
    }
  }
  EXPECT_NE(flat.find("`" + line + "`"), std::string::npos) << "the guide does not quote: " << line;
}

// migrate() is not exercised by validation (a validated strategy starts fresh): a broken
// migrate shows only when the apply hands a running state over. The guide says so.
TEST_F(StrategyGuideExample, ABrokenMigrateFailsTheLoadWithFileAndLine) {
  const std::string broken = replaced(lua_, "  if type(old) ~= \"table\" then return state end\n",
                                      "  if type(old) ~= \"table\" then return state end\n  state.proposals = old.proposals + 1\n");
  EXPECT_TRUE(validate(broken, profile_).empty()) << "validation does not call migrate";
  auto runner = load(json{{"cooldowns", json::object()}}, &broken);
  ASSERT_FALSE(runner);
  const std::string message = runner.error().message;
  const std::string quoted =
      "migrate failed at strategies/spread_watch.lua:92: attempt to perform "
      "arithmetic on field 'proposals' (a nil value)";
  EXPECT_NE(message.find(quoted), std::string::npos) << message;
  EXPECT_NE(guide().find(quoted), std::string::npos) << "the guide does not quote: " << quoted;
}

}  // namespace
}  // namespace propbot
