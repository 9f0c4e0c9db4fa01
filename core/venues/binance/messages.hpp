// Binance USDⓈ-M request vocabulary (protocols.md A2, A6): the instrument rules the
// adapter keeps per symbol, the REST endpoints with their weight, priority and
// security, and the builders that turn an OrderRequest into the exact parameters sent.
//
// Guarantees:
//  - Quantities and prices are written from Decimal exactly, normalized ("65000.1"),
//    and only when they lie on the instrument's step / tick: an off-grid value, a
//    non-positive quantity, a limit order without price or a notional under the
//    instrument minimum (unless reduce-only) is refused locally with invalid_argument
//    naming the field — nothing is rounded and nothing is sent.
//  - newClientOrderId is validated with binance::validate_client_order_id.
//  - Post-only is sent as timeInForce GTX; selfTradePreventionMode is always set
//    explicitly, to the venue's configured mode (self_trade_prevention.hpp; default
//    EXPIRE_MAKER: NONE is rejected since 2024-12-10, DESIGN-NOTES); a mode Binance does
//    not know is refused locally.
//
// Threads: pure functions, safe from any thread. Uses signing (QueryParam), symbols.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/md/instrument.hpp"
#include "core/venues/binance/signing.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/order_types.hpp"
#include "core/venues/self_trade_prevention.hpp"

namespace propbot::venues::binance {

// One tradable symbol as exchangeInfo describes it.
struct BinanceInstrument {
  std::string symbol;         // canonical BTC-USDT
  std::string venue_symbol;   // BTCUSDT
  std::string stream_symbol;  // btcusdt
  Decimal tick_size;          // PRICE_FILTER tickSize
  Decimal step_size;          // LOT_SIZE stepSize
  Decimal min_qty;            // LOT_SIZE minQty
  Decimal min_notional;       // MIN_NOTIONAL notional (0 when absent)
  md::InstrumentSpec spec;    // the same, as the core's double view
};

enum class Security { none, api_key, signed_request };

struct Endpoint {
  std::string_view method;
  std::string_view path;
  int weight = 1;              // IP weight (X-MBX-USED-WEIGHT-1M)
  bool counts_as_order = false;
  RequestPriority priority = RequestPriority::query;
  Security security = Security::signed_request;
};

namespace endpoints {
inline constexpr Endpoint kServerTime{"GET", "/fapi/v1/time", 1, false, RequestPriority::query, Security::none};
inline constexpr Endpoint kExchangeInfo{"GET", "/fapi/v1/exchangeInfo", 1, false, RequestPriority::query,
                                        Security::none};
// Weight of the snapshot depends on `limit`: depth_weight().
inline constexpr Endpoint kDepth{"GET", "/fapi/v1/depth", 20, false, RequestPriority::query, Security::none};
inline constexpr Endpoint kNewOrder{"POST", "/fapi/v1/order", 0, true, RequestPriority::place,
                                    Security::signed_request};
inline constexpr Endpoint kBatchOrders{"POST", "/fapi/v1/batchOrders", 5, true, RequestPriority::place,
                                       Security::signed_request};
inline constexpr Endpoint kCancelOrder{"DELETE", "/fapi/v1/order", 1, false, RequestPriority::cancel,
                                       Security::signed_request};
inline constexpr Endpoint kCancelAll{"DELETE", "/fapi/v1/allOpenOrders", 1, false, RequestPriority::cancel,
                                     Security::signed_request};
inline constexpr Endpoint kQueryOrder{"GET", "/fapi/v1/order", 1, false, RequestPriority::query,
                                      Security::signed_request};
// Weight 1 with a symbol, 40 without: open_orders_weight().
inline constexpr Endpoint kOpenOrders{"GET", "/fapi/v1/openOrders", 1, false, RequestPriority::query,
                                      Security::signed_request};
// Account Trade List: oldest first; fromId cannot be combined with startTime/endTime.
inline constexpr Endpoint kUserTrades{"GET", "/fapi/v1/userTrades", 5, false, RequestPriority::query,
                                      Security::signed_request};
// Get Income History (weight 30): oldest first from startTime; FUNDING_FEE rows feed
// funding_since.
inline constexpr Endpoint kIncome{"GET", "/fapi/v1/income", 30, false, RequestPriority::query,
                                  Security::signed_request};
inline constexpr Endpoint kPositionRisk{"GET", "/fapi/v2/positionRisk", 5, false, RequestPriority::query,
                                        Security::signed_request};
inline constexpr Endpoint kBalance{"GET", "/fapi/v2/balance", 5, false, RequestPriority::query,
                                   Security::signed_request};
// The dead-man switch (countdownCancelAll): weight 10, sent with the cancels' priority.
inline constexpr Endpoint kCountdownCancelAll{"POST", "/fapi/v1/countdownCancelAll", 10, false,
                                              RequestPriority::cancel, Security::signed_request};
inline constexpr Endpoint kListenKeyStart{"POST", "/fapi/v1/listenKey", 1, false, RequestPriority::query,
                                          Security::api_key};
inline constexpr Endpoint kListenKeyKeepalive{"PUT", "/fapi/v1/listenKey", 1, false, RequestPriority::query,
                                              Security::api_key};
inline constexpr Endpoint kListenKeyClose{"DELETE", "/fapi/v1/listenKey", 1, false, RequestPriority::query,
                                          Security::api_key};
}  // namespace endpoints

// IP weight of GET /fapi/v1/depth for `limit` (A2): 5..50 → 2, 100 → 5, 500 → 10, 1000 → 20.
int depth_weight(int limit);

// `value` as sent when it is a whole multiple of `step`; errors name `what`.
Result<std::string> format_on_grid(Decimal value, Decimal step, std::string_view what);

// Parameters of POST /fapi/v1/order (newOrderRespType=RESULT), in the order sent, with
// selfTradePreventionMode = `stp_mode` (one of kBinanceStpModes).
Result<std::vector<QueryParam>> order_params(const OrderRequest& request, const BinanceInstrument& instrument,
                                             std::string_view stp_mode = kBinanceDefaultStpMode);

// One order of a batchOrders list as a JSON object text with string values.
Result<std::string> batch_order_json(const OrderRequest& request, const BinanceInstrument& instrument,
                                     std::string_view stp_mode = kBinanceDefaultStpMode);

}  // namespace propbot::venues::binance
