// Binance GET /fapi/v1/income (Get Income History, USER_DATA, weight 30) from the
// exchange core's IncomeHistory: every wallet change of the account as the venue's
// income rows, with the official page's parameters.

#include "core/venues/sim/binance/frontend.hpp"

#include <algorithm>
#include <set>

#include "core/venues/sim/engine/checked_math.hpp"

namespace propbot::venues::sim::binance_frontend {

namespace {

// Every incomeType the official page lists; the simulator produces the first five and
// answers [] for the others.
const std::set<std::string>& documented_income_types() {
  static const std::set<std::string> types{
      "TRANSFER", "REALIZED_PNL", "FUNDING_FEE", "COMMISSION", "INSURANCE_CLEAR", "WELCOME_BONUS",
      "REFERRAL_KICKBACK", "COMMISSION_REBATE", "API_REBATE", "CONTEST_REWARD", "CROSS_COLLATERAL_TRANSFER",
      "OPTIONS_PREMIUM_FEE", "OPTIONS_SETTLE_PROFIT", "INTERNAL_TRANSFER", "AUTO_EXCHANGE", "DELIVERED_SETTELMENT",
      "COIN_SWAP_DEPOSIT", "COIN_SWAP_WITHDRAW", "POSITION_LIMIT_INCREASE_FEE", "STRATEGY_UMFUTURES_TRANSFER",
      "FEE_RETURN", "BFUSD_REWARD"};
  return types;
}

// One income row. A fill is two rows (COMMISSION, then REALIZED_PNL when non-zero) with
// the record's id as tranId: the page says tranId is unique within one incomeType.
struct IncomeRow {
  std::string type;
  Decimal income;
  const IncomeRecord* record = nullptr;
};

std::vector<IncomeRow> rows_of(const IncomeRecord& record) {
  switch (record.kind) {
    case BalanceReason::deposit: return {{"TRANSFER", record.amount, &record}};
    case BalanceReason::funding_fee: return {{"FUNDING_FEE", record.amount, &record}};
    case BalanceReason::liquidation: return {{"REALIZED_PNL", record.amount, &record}};
    case BalanceReason::insurance_clear: return {{"INSURANCE_CLEAR", record.amount, &record}};
    case BalanceReason::order: break;
  }
  if (!record.fill) return {{"REALIZED_PNL", record.amount, &record}};
  std::vector<IncomeRow> rows{{"COMMISSION", math::neg(record.fill->fee), &record}};
  if (!record.fill->realized_pnl.is_zero()) rows.push_back({"REALIZED_PNL", record.fill->realized_pnl, &record});
  return rows;
}

// Money as Binance prints it: eight fractional digits ("-0.37500000").
std::string money_text(Decimal value) {
  auto eight = value.rescale(8, RoundMode::nearest);
  return eight ? eight->to_string() : value.to_string();
}

}  // namespace

// Parameters as the official page documents them: symbol, incomeType (one of the
// documented types, else -1130), startTime / endTime (ms, inclusive), page (from 1),
// limit 1..1000 (default 100, else -1130). Rows come oldest first; the window is
// [startTime, endTime] with endTime defaulting to now and startTime to endTime − 7 days
// ("the recent 7-day data"); when it holds more than `limit` rows the answer is the
// first `limit` from its start (page N skips (N − 1) × limit), as the page says.
net::HttpResponse BinanceSimVenue::income(Call& call) {
  std::optional<std::string> canonical;
  if (call.params.count("symbol")) {
    std::string found;
    if (symbol_from(call.params, found) == nullptr) return binance_error(-1121, "Invalid symbol.");
    canonical = found;
  }
  std::optional<std::string> type;
  if (auto it = call.params.find("incomeType"); it != call.params.end()) {
    if (!documented_income_types().count(it->second)) {
      return binance_error(-1130, "Data sent for parameter 'incomeType' is not valid.");
    }
    type = it->second;
  }
  std::map<std::string, std::int64_t> numbers;
  for (const char* key : {"startTime", "endTime", "page", "limit"}) {
    auto it = call.params.find(key);
    if (it == call.params.end()) continue;
    auto value = to_int(it->second);
    if (!value) return binance_error(-1102, mandatory_message(key));
    numbers[key] = *value;
  }
  const auto number_or = [&](const char* key, std::int64_t fallback) {
    auto it = numbers.find(key);
    return it == numbers.end() ? fallback : it->second;
  };
  const std::int64_t limit = number_or("limit", 100);
  if (limit < 1 || limit > 1000) return binance_error(-1130, "Data sent for parameter 'limit' is not valid.");
  const std::int64_t page = number_or("page", 1);
  if (page < 1) return binance_error(-1130, "Data sent for parameter 'page' is not valid.");
  constexpr std::int64_t kSevenDaysMs = 7LL * 24 * 3600 * 1000;
  const std::int64_t window_end = number_or("endTime", to_unix_ms(call.utc));
  const std::int64_t window_start = number_or("startTime", window_end - kSevenDaysMs);

  const std::vector<IncomeRecord> records = core_.income(call.account, canonical);
  std::vector<IncomeRow> selected;
  for (const IncomeRecord& record : records) {
    const std::int64_t time = to_unix_ms(record.ts);
    if (time < window_start || time > window_end) continue;
    for (IncomeRow& row : rows_of(record)) {
      if (!type || row.type == *type) selected.push_back(std::move(row));
    }
  }
  // Pages past the bound skip everything the history can hold (10,000 records) anyway.
  const auto skip = static_cast<std::size_t>(std::min<std::int64_t>(page - 1, 1'000'000) * limit);
  json out = json::array();
  for (std::size_t i = skip; i < selected.size() && out.size() < static_cast<std::size_t>(limit); ++i) {
    const IncomeRow& row = selected[i];
    const IncomeRecord& record = *row.record;
    out.push_back({{"symbol", record.symbol.empty() ? std::string() : wire::venue_symbol(record.symbol)},
                   {"incomeType", row.type},
                   {"income", money_text(row.income)},
                   {"asset", record.asset},
                   {"info", row.type},
                   {"time", to_unix_ms(record.ts)},
                   {"tranId", record.id},
                   {"tradeId", record.fill ? record.fill->trade_id : std::string()}});
  }
  return ok_json(out);
}

}  // namespace propbot::venues::sim::binance_frontend
