// RecordedMarket ⇄ JSON: how the daemon hands the books its engine sees to a
// validation worker process (isolated_validator.hpp). Numbers keep their exact values
// (doubles round-trip through nlohmann's shortest form; ticks and lots are integers).
//
// from_json() reads a document another process wrote: every field is checked and the
// sizes are bounded (kMaxRecordedBooks books of kMaxRecordedLevels levels a side), an
// error names the field. Pure functions, any thread.
// Uses: scripting/recorded_market, core/md (OrderBook), nlohmann::json.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "scripting/recorded_market.hpp"

namespace propbot::bundle {

inline constexpr std::size_t kMaxRecordedBooks = 1024;
inline constexpr std::size_t kMaxRecordedLevels = 5000;

nlohmann::json recorded_market_to_json(const scripting::RecordedMarket& market);
Result<scripting::RecordedMarket> recorded_market_from_json(const nlohmann::json& document);

}  // namespace propbot::bundle
