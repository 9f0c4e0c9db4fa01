#include "core/venues/binance/funding_history.hpp"

#include <memory>
#include <set>
#include <string>

#include "core/venues/binance/parse.hpp"

namespace propbot::venues::binance {

namespace {

struct Paging {
  RestClient* rest = nullptr;
  std::vector<FundingPayment> payments;
  std::int64_t start_ms = 0;
  std::set<std::string> taken_at_start;  // tranIds of rows at start_ms already kept
  int pages = 0;
  VenueCallback<std::vector<FundingPayment>> done;
};

VenueError too_many(const std::string& why) {
  return VenueError{VenueErrc::rejected, "TOO_MANY_PAYMENTS", "income: " + why, 0, std::nullopt};
}

void request_page(std::shared_ptr<Paging> paging) {
  paging->rest->send(endpoints::kIncome, funding_income_page(paging->start_ms), [paging](VenueResult<std::string> reply) {
    if (!reply) return paging->done(reply.error());
    auto page = parse_funding_income_text(reply.value());
    if (!page) {
      return paging->done(
          VenueError{VenueErrc::network, "UNREADABLE_REPLY", "income: " + page.error().message, 200, std::nullopt});
    }
    ++paging->pages;
    const bool full = page->size() >= static_cast<std::size_t>(kIncomePageLimit);
    std::size_t added = 0;
    for (auto& payment : page.value()) {
      const std::int64_t ms = to_unix_ms(payment.ts);
      if (ms == paging->start_ms && paging->taken_at_start.count(payment.payment_id) != 0) continue;
      if (ms != paging->start_ms) {
        paging->start_ms = ms;
        paging->taken_at_start.clear();
      }
      paging->taken_at_start.insert(payment.payment_id);
      paging->payments.push_back(std::move(payment));
      ++added;
    }
    if (!full) return paging->done(std::move(paging->payments));
    if (added == 0) return paging->done(too_many("a full page at one millisecond brought no new payment"));
    if (paging->pages >= kMaxIncomePages) {
      return paging->done(too_many("more than " + std::to_string(kMaxIncomePages) + " pages of FUNDING_FEE"));
    }
    request_page(paging);
  });
}

}  // namespace

std::vector<QueryParam> funding_income_page(std::int64_t start_ms) {
  return {{"incomeType", "FUNDING_FEE"},
          {"startTime", std::to_string(start_ms)},
          {"limit", std::to_string(kIncomePageLimit)}};
}

void fetch_funding_since(RestClient& rest, UtcTime since, VenueCallback<std::vector<FundingPayment>> done) {
  auto paging = std::make_shared<Paging>();
  paging->rest = &rest;
  paging->start_ms = to_unix_ms(since);
  paging->done = std::move(done);
  request_page(paging);
}

}  // namespace propbot::venues::binance
