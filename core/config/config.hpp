// The typed configuration of one daemon run (SPEC S-1.1, S-3.1): the profile, the API
// listener, the traded symbols and venues, the venue simulator, the hard risk caps,
// the strategies and their Lua sandbox limits, engine timings, execution and logging.
//
// Guarantees: a Config handed out by load_config() (loader.hpp) has passed every rule
// in schema.hpp, its data_dir and scripting.bundle_dir are absolute, and every
// strategy file exists under bundle_dir. A Config is a plain value: copy it, read it
// from any thread; nothing here allocates on the hot path because nothing here runs
// on it. Defaults below are the values used when neither the YAML file nor the
// environment sets a key; risk caps have no defaults on purpose (they must be set).
//
// Uses: common/result.hpp (Result, Error), nlohmann/json (strategy params).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"

namespace propbot::config {

// paper: embedded simulated venues unless a venue names its endpoints; testnet: venue
// test networks (keys from the secrets store);
// live: real money, the strictest validation (no zero caps, no placeholders).
enum class Profile { paper, testnet, live };

std::string_view to_string(Profile profile);
// Accepts exactly "paper", "testnet", "live"; anything else is Errc::config_invalid.
Result<Profile> parse_profile(std::string_view text);

// The operator HTTP/WebSocket listener.
struct ApiConfig {
  std::string bind = "127.0.0.1";      // IPv4/IPv6 literal or "localhost"
  int port = 8000;                     // 0 = let the kernel pick a free port (tests)
  std::int64_t max_body_bytes = 1048576;
  int request_timeout_ms = 10000;
  int max_connections = 256;
  // Fairness and blocking routes (core/net/http_server.hpp explains each).
  int max_connections_per_address = 32;
  int header_timeout_ms = 5000;        // a complete request header, first and keep-alive
  int blocking_workers = 2;            // threads for slow routes (config validate, export)
  int blocking_queue = 8;              // requests that may wait for one; beyond: 503 busy
};

// One trading venue. kind selects the adapter: "sim" (in-process random walk),
// "binance" (USDⓈ-M futures) or "okx" (v5 swaps).
struct VenueConfig {
  std::string id;    // upper-case, e.g. "SIM-A"; used in APIs, metrics and the journal
  std::string kind;
  // The desk's fee tier on this venue, per fill, in bps of notional (what ctx:fees
  // tells strategies). A negative maker fee is a rebate.
  double maker_fee_bps = 2.0;
  double taker_fee_bps = 5.0;
  // Where a binance / okx adapter connects (rules: venue_endpoints.hpp). All empty: the
  // venue simulator embedded in the daemon (paper only). Keys never live here: they
  // come from the secrets store (`<id in lower case>.api_key`, ...).
  std::string rest_url = {};        // REST base, e.g. https://fapi.binance.com
  std::string ws_url = {};          // binance: the stream host (the routed /public, /market,
                                    // /private paths are appended); okx: the public WS URL
  std::string ws_private_url = {};  // okx only: the private WS URL (orders, fills, account)
  bool demo = false;                // okx only: demo trading (x-simulated-trading: 1 on REST)
  // binance / okx: the self-trade prevention mode every order carries, in the venue's own
  // words (core/venues/self_trade_prevention.hpp): binance EXPIRE_TAKER | EXPIRE_MAKER |
  // EXPIRE_BOTH, okx cancel_maker | cancel_taker | cancel_both. Empty: the venue's
  // default (EXPIRE_MAKER, cancel_maker). kind sim takes none.
  std::string stp_mode = {};
};

// True when the venue names an endpoint of its own (rest_url set): a binance / okx
// venue then connects there, with keys from the secrets store, instead of to the
// embedded simulator.
bool has_endpoint(const VenueConfig& venue);

// The embedded venue simulator (paper profile and tests).
struct SimConfig {
  std::uint64_t seed = 42;             // same seed -> same price path
  int tick_ms = 100;                   // one price step per symbol per tick
  double volatility_bps = 1.5;         // std-dev of the mid move per tick
  double spread_bps = 1.0;             // bid/ask spread around the mid
  int depth_levels = 20;               // levels per book side
  // Chance, per symbol per tick, that one venue's price is pushed away from the
  // others. Mean time between dislocations = tick_ms / (probability * symbols).
  double dislocation_probability = 0.02;
  double dislocation_bps_min = 8;      // size of a dislocation, uniform in [min, max]
  double dislocation_bps_max = 40;
  int dislocation_duration_ms = 3000;  // how long a dislocation lasts
  std::map<std::string, double> start_prices;  // symbol -> first mid price
};

// A venue's maintenance window (S-3.8), UTC; the venue leaves routing
// risk.maintenance_lead_ms before `start` and comes back at `end`.
struct MaintenanceWindow {
  std::string venue;
  UtcTime start{};
  UtcTime end{};
};

// Global hard caps (SPEC S-3.1). In paper/testnet a cap of 0 disables that guard;
// live refuses 0. Scripts may tighten these, never loosen them.
struct RiskConfig {
  double max_total_notional_usdt = 0;
  int max_open_positions = 0;
  double max_notional_per_position_usdt = 0;
  double max_exposure_per_symbol_usdt = 0;
  double max_exposure_per_venue_usdt = 0;
  double max_leverage_per_venue = 0;   // in (0, 125]
  double daily_loss_cap_usdt = 0;
  double max_unrealized_loss_usdt = 0;
  int clock_skew_hold_ms = 0;          // HOLD when venue clock skew exceeds this
  int max_orders_per_min = 300;        // runaway breakers (SPEC S-3.3), never disabled
  int max_cancels_per_min = 600;
  // The risk governor's other guards (issue 13). 0 switches a guard off (any profile:
  // these have safe defaults rather than being required).
  double monthly_loss_cap_usdt = 0;     // realised this month + unrealised
  double price_band_bps = 0;            // an entry's expected price at most this far from the book's mid
  double min_order_notional_usdt = 0;   // per leg
  double max_order_notional_usdt = 0;
  double min_net_edge_bps = 0;          // a hedged entry's net spread must reach this
  double liquidity_depth_multiple = 0;  // top-of-book depth (10 levels) must hold this × the leg's notional
  double safe_mode_size_factor = 0.5;   // safe_mode scales entry sizes by this (S-1.2)
  // Stress test (S-3.6): shocks in bps, and the most the worst scenario may lose.
  double stress_gap_bps = 300;
  double stress_venue_loss_gap_bps = 500;
  double stress_funding_spike_bps = 50;
  double stress_mark_index_divergence_bps = 100;
  double stress_limit_usdt = 0;
  bool stress_hard_block_autopilot = true;  // a stress breach also blocks the autopilot
  int clock_skew_probe_interval_ms = 10000;  // how often each venue's server time is read
  int maintenance_lead_ms = 900000;     // a venue leaves routing this long before its window
  std::vector<MaintenanceWindow> maintenance;  // risk.maintenance: [{venue, start, end}]
};

// One Lua strategy of the bundle. file is relative to scripting.bundle_dir.
struct StrategyConfig {
  std::string name;                    // lower-case snake_case; used in metrics labels
  std::string file;                    // e.g. "strategies/cross_exchange_arb.lua"
  bool enabled = true;
  nlohmann::json params = nlohmann::json::object();  // passed to the script as-is
  // The 1-based line of each key of `params` in the profile file (a refused value is
  // reported there, scripting::ParamsOrigin); one entry per key of `params`, so as
  // bounded as the file. Empty when the params were not read from a file.
  std::map<std::string, int> param_lines = {};
  bool trusted = false;  // true: the script gets LuaJIT's ffi (unsafe; see SandboxLimits::ffi)
  // Per-strategy budget (S-3.2), strategies[].budget; 0 = that limit off.
  struct Budget {
    double max_notional_usdt = 0;
    int max_open_positions = 0;
    double daily_loss_usdt = 0;
    double max_drawdown_usdt = 0;
    int max_consecutive_failures = 0;
  };
  Budget budget{};
  // What safe_mode does to this strategy (S-1.2): "scale" (sizes × risk.safe_mode_size_factor,
  // post-only entries only) or "pause" (no entries).
  std::string safe_mode = "scale";
};

// Lua sandbox limits and where scripts are loaded from.
struct ScriptingConfig {
  std::string bundle_dir;              // absolute; default: the dir that holds configs/
  std::int64_t instruction_budget = 1000000;  // per callback
  int memory_limit_mb = 64;            // per Lua state
  int max_consecutive_errors = 5;      // then the strategy is tripped
  int max_faults_per_window = 20;      // more faults than this within fault_window_s trip it too; 0 = off
  int fault_window_s = 60;
  int risk_level = 50;                 // 0 (flat) … 100 (full size): what policies/sizing.lua scales by
};

struct EngineConfig {
  int opportunity_ttl_ms = 3000;       // an opportunity older than this is dropped
  int snapshot_interval_ms = 100;      // how often the engine publishes a Snapshot
};

// Execution (SPEC S-8). journal_fsync is how far the order journal pushes each record
// before the network call may follow (core/exec/journal.hpp JournalFsync): "always"
// (fdatasync per record: survives power loss), "batch" (survives kill -9 at once,
// power loss after the writer's group commit), "never" (survives kill -9 only).
// A string here so core/config does not depend on core/exec; the schema checks it.
//
// dead_man_timeout_ms: the venues' dead-man switches (Binance countdownCancelAll, OKX
// cancel-all-after) are armed with it and refreshed every third of it; 0 = off. Else
// in [1000, 120000] (OKX takes whole seconds in [10, 120]: shorter values arm 10 s there).
// post_only_max_distance_bps / post_only_max_age_ms: the staleness guard cancels a
// resting post-only order whose side's touch moved more than this away from its price,
// or that rested longer than this; 0 = that check off.
struct ExecutionConfig {
  std::string journal_fsync = "batch";  // always | batch | never
  int dead_man_timeout_ms = 60000;
  double post_only_max_distance_bps = 50;
  int post_only_max_age_ms = 60000;
};

// The recon daemon (SPEC S-9.2, core/ledger/recon_daemon.hpp): a pass every
// interval_s (0 = off); a difference counts once a second look confirm_delay_ms later
// sees it again; the wallet may differ from the ledger's by balance_tolerance_usdt
// (venues round differently); a funding settlement the desk held a position over must
// show a payment in the venue's history within funding_grace_s.
struct ReconConfig {
  int interval_s = 10;
  int confirm_delay_ms = 1500;
  double balance_tolerance_usdt = 0.01;
  int funding_grace_s = 60;
};

// Rolling backups of the ledger (SPEC S-9.5; core/store/backup_snapshotter.hpp): every
// interval_min minutes an online backup of <data_dir>/journal.sqlite to
// <data_dir>/backups/ledger_snapshot_rolling.sqlite plus a dated copy, keeping the newest
// `keep` dated copies. interval_min 0 = off.
struct BackupConfig {
  int interval_min = 15;               // [0, 1440]; 0 = off
  int keep = 48;                       // [1, 1000] dated copies
};

// Forensic bundles (SPEC S-4.3, S-9.4; core/forensics): every P0 writes
// <data_dir>/incidents_forensic/<incident id>/ with the last history_minutes of market
// history; at most max_bundles bundles are kept (the oldest are removed).
struct ForensicsConfig {
  int history_minutes = 15;
  int max_bundles = 200;
};

// Market history (SPEC S-9.6): every interval_s (0 = off) the engine writes a
// MarketSample to <data_dir>/market_history/market_history.sqlite; rows older than
// retention_h hours are pruned; std_spread is the std of the cross-venue spread over the
// last std_samples samples of a symbol.
struct MarketHistoryConfig {
  int interval_s = 10;
  int retention_h = 72;
  int std_samples = 30;
};

// Shadow validation (issue 15): the engine keeps the last window_s seconds of book and
// funding events (at most max_events, books cut to `depth` levels a side) in a ring
// (core/engine/market_tape.hpp); validate and apply replay them through every changed
// strategy. shadow_window_s 0 = off (no ring, no replay). Restart-only.
struct ValidationConfig {
  int shadow_window_s = 300;           // [0, 3600]
  int shadow_max_events = 100000;      // [1000, 1000000]
  int shadow_depth = 10;               // [1, 50] levels a side
};

struct LoggingConfig {
  std::string level = "info";          // trace | debug | info | warn | error
  std::string file;                    // empty = stderr
  bool json = false;                   // one JSON object per line
};

struct Config {
  Profile profile = Profile::paper;
  std::string source_file;             // absolute path of the YAML file that was loaded
  std::string data_dir = "data";       // absolute after loading (database, snapshots)
  ApiConfig api;
  std::vector<std::string> symbols;    // "BASE-QUOTE", e.g. "BTC-USDT"
  std::vector<VenueConfig> venues;
  SimConfig sim;
  RiskConfig risk;
  std::vector<StrategyConfig> strategies;
  ScriptingConfig scripting;
  EngineConfig engine;
  ExecutionConfig execution;
  ReconConfig recon;
  BackupConfig backup;
  ForensicsConfig forensics;
  MarketHistoryConfig market_history;
  ValidationConfig validation;
  LoggingConfig logging;
  bool safe_mode = true;
  bool dry_run_mode = false;
  bool autopilot_enabled = false;  // autopilot.enabled (S-1.4): may clear HOLD after a restart
};

}  // namespace propbot::config
