// OKX v5 wire helpers of the venue simulator (protocols.md B2–B7): the pure
// conversions the OKX frontend needs — REST timestamps back to time, contracts ↔ base
// coin through ctVal, the decimal text OKX prints, the `{"code","msg","data"}`
// envelopes and the cancelSource codes of the orders channel.
//
// Guarantees: pure functions, no I/O, no clock; never throw (beyond std::bad_alloc).
// Decimal text is normalised ("0.10" → "0.1", "2.000" → "2"), so the same value always
// prints the same string — the book checksum relies on it.
// Threads: safe anywhere. Uses Decimal, the engine's events, nlohmann::json.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/decimal.hpp"
#include "core/venues/sim/engine/events.hpp"

namespace propbot::venues::sim::okx_wire {

// "2020-12-08T09:08:57.715Z" (milliseconds optional) → UtcTime; nullopt when malformed.
std::optional<UtcTime> parse_iso_timestamp(std::string_view text);
// "1538054050" (Unix seconds, WS login) → UtcTime; nullopt when malformed.
std::optional<UtcTime> parse_unix_seconds(std::string_view text);

// Normalised decimal text: "65000.1", "0.5", "-12.3", "0".
std::string text(Decimal value);
// Milliseconds since the epoch as OKX sends it (a string).
std::string ms_text(UtcTime t);

// base coin = contracts × ctVal; contracts = base / ctVal (exact to 18 digits).
std::optional<Decimal> contracts_to_base(Decimal contracts, Decimal ct_val);
Decimal base_to_contracts(Decimal base, Decimal ct_val);

// {"code":"0","msg":"","data":data}
std::string ok_body(const nlohmann::json& data);
// Trade endpoints: {"code":c,"msg":m,"data":data,"inTime":..,"outTime":..}; code "0"
// when every item's sCode is "0", "1" when none is, "2" otherwise (B4).
std::string trade_body(const nlohmann::json& data, UtcTime in_time, UtcTime out_time);

// The orders channel's cancelSource for an order that ended (B4): user cancel "1",
// cancel-all-after "20", FOK "13", IOC / market remainder "14", self-trade "32",
// post-only "31" (set by the frontend), liquidation "6" (assumption, not in B4).
std::string_view cancel_source(CancelReason reason);
std::string_view cancel_source(ExpireReason reason);

}  // namespace propbot::venues::sim::okx_wire
