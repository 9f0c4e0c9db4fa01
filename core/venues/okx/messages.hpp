// OKX v5 request vocabulary (protocols.md B2, B4): the instrument rules the adapter
// keeps per swap, the REST endpoints with their rate-limit cost, and the builders that
// turn an OrderRequest into the exact JSON body sent.
//
// Units (DESIGN-NOTES "Two-leg execution"): OKX `sz` is in CONTRACTS; one contract is
// ctVal base coin. The conversion happens here, once, with Decimal:
//   contracts = base ÷ ctVal, refused unless it is a whole multiple of lotSz (exact —
//   nothing is rounded: the caller rounds DOWN to the base step lot_step() first);
//   base = contracts × ctVal (exact).
// Guarantees:
//  - A non-positive quantity, an off-grid quantity or price, a quantity below minSz, a
//    limit order without price, a clOrdId that is not 1–32 alphanumerics, or an
//    unsupported (type, tif) pair is refused locally with invalid_argument naming the
//    field: nothing is sent.
//  - Orders are sent tdMode "cross", posSide "net" (one-way mode), reduceOnly only
//    when set; prices and sizes are written normalized ("65000.1", "0.01").
//  - Every order carries stpMode, the venue's configured self-trade prevention mode
//    (self_trade_prevention.hpp; default cancel_maker); a mode OKX does not know, or
//    cancel_both on a FOK order (the venue refuses it), is refused locally.
//
// Rate limits: OKX limits per endpoint (60 orders / 2 s per instrument, 10 / 2 s for
// positions and balance, ...). RateLimitTracker has one weight window per minute and
// order windows per 10 s / 1 min, so the policy below maps the OKX limits onto it:
// weight_per_minute 1800 (= 60 / 2 s) and each endpoint's weight = 1800 ÷ its own
// per-minute limit (positions 10 / 2 s → 6); orders 300 / 10 s (= 60 / 2 s). It is a
// conservative approximation (the windows are shared), not OKX's exact buckets; the
// venue's 429 / 50011 answers still drive backoff.
//
// Threads: pure functions, safe from any thread. Uses symbols, Decimal, nlohmann::json.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/md/instrument.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/order_types.hpp"
#include "core/venues/self_trade_prevention.hpp"

namespace propbot::venues::okx {

// One perpetual swap as GET /api/v5/public/instruments describes it.
struct OkxInstrument {
  std::string symbol;   // canonical BTC-USDT
  std::string inst_id;  // BTC-USDT-SWAP
  Decimal tick_size;    // tickSz (quote)
  Decimal lot_size;     // lotSz (contracts)
  Decimal min_size;     // minSz (contracts)
  Decimal contract_value;  // ctVal (base coin per contract, linear swaps)
  std::string state;    // live, suspend, preopen, test
  md::InstrumentSpec spec;  // core view: lot_size = lotSz × ctVal in base coin

  // The base-coin quantity of one lot (lotSz × ctVal): round order quantities to it.
  Decimal lot_step() const;
};

// instId → instrument, for every swap the venue listed (positions and orders on
// symbols that are not traded still convert correctly).
using InstrumentTable = std::unordered_map<std::string, OkxInstrument>;

struct Endpoint {
  std::string_view method;
  std::string_view path;
  int weight = 1;
  bool counts_as_order = false;
  RequestPriority priority = RequestPriority::query;
  bool signed_request = true;
  bool per_item_results = false;  // batch: code "1"/"2" still carry data[].sCode per item
};

namespace endpoints {
inline constexpr Endpoint kServerTime{"GET", "/api/v5/public/time", 6, false, RequestPriority::query, false};
inline constexpr Endpoint kInstruments{"GET", "/api/v5/public/instruments", 3, false, RequestPriority::query,
                                       false};
inline constexpr Endpoint kPlaceOrder{"POST", "/api/v5/trade/order", 1, true, RequestPriority::place};
inline constexpr Endpoint kBatchOrders{"POST", "/api/v5/trade/batch-orders", 1, true, RequestPriority::place, true,
                                       true};
inline constexpr Endpoint kCancelOrder{"POST", "/api/v5/trade/cancel-order", 1, false, RequestPriority::cancel};
inline constexpr Endpoint kCancelBatch{"POST", "/api/v5/trade/cancel-batch-orders", 1, false,
                                       RequestPriority::cancel, true, true};
inline constexpr Endpoint kQueryOrder{"GET", "/api/v5/trade/order", 1, false, RequestPriority::query};
inline constexpr Endpoint kOrdersPending{"GET", "/api/v5/trade/orders-pending", 1, false, RequestPriority::query};
// Transaction details (last 3 days), 60 / 2 s: newest first, billId pagination.
inline constexpr Endpoint kFills{"GET", "/api/v5/trade/fills", 1, false, RequestPriority::query};
// The dead-man switch: 1 request / s (weight 1800 ÷ 60), sent with the cancels' priority.
inline constexpr Endpoint kCancelAllAfter{"POST", "/api/v5/trade/cancel-all-after", 30, false,
                                          RequestPriority::cancel};
inline constexpr Endpoint kPositions{"GET", "/api/v5/account/positions", 6, false, RequestPriority::query};
inline constexpr Endpoint kBalance{"GET", "/api/v5/account/balance", 6, false, RequestPriority::query};
// Bills details (last 7 days), 5 requests / s (weight 1800 ÷ 300): newest first, billId
// pagination; type 8 = funding fee (funding_since).
inline constexpr Endpoint kBills{"GET", "/api/v5/account/bills", 6, false, RequestPriority::query};
}  // namespace endpoints

inline constexpr std::size_t kMaxBatchOrders = 20;  // batch-orders and cancel-batch-orders

RateLimitPolicy default_rate_limit_policy();

// Exact conversions (see the header comment). Errors: invalid_argument naming the
// field and the grid.
Result<Decimal> contracts_from_base(Decimal base_quantity, const OkxInstrument& instrument);
Result<Decimal> base_from_contracts(Decimal contracts, const OkxInstrument& instrument);

// The body object of POST /api/v5/trade/order (also one item of batch-orders), with
// stpMode = `stp_mode` (one of kOkxStpModes).
Result<nlohmann::json> order_body(const OrderRequest& request, const OkxInstrument& instrument,
                                  std::string_view stp_mode = kOkxDefaultStpMode);

// cancel-all-after takes whole seconds, 0 (disarm) or 10..120: a positive `timeout` is
// rounded up to a second and clamped into [10, 120] (so the switch never fires earlier
// than asked, except beyond 120 s, where it cannot be later).
int cancel_all_after_seconds(std::chrono::milliseconds timeout);

// "?instId=BTC-USDT-SWAP&clOrdId=abc" style query text from ordered pairs (values are
// alphanumeric / '-' here, so no escaping is needed; others are percent-encoded).
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace propbot::venues::okx
