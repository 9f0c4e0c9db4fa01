#include "core/venues/binance/fill_history.hpp"

#include <charconv>
#include <memory>

#include "core/venues/binance/parse.hpp"

namespace propbot::venues::binance {

namespace {

struct Paging {
  RestClient* rest = nullptr;
  std::string venue_symbol;
  std::vector<Fill> fills;
  int pages = 0;
  VenueCallback<std::vector<Fill>> done;
};

void request_page(std::shared_ptr<Paging> paging, std::vector<QueryParam> params) {
  RestClient* rest = paging->rest;
  rest->send(endpoints::kUserTrades, std::move(params), [paging](VenueResult<std::string> reply) {
    if (!reply) return paging->done(reply.error());
    auto page = parse_user_trades_text(reply.value());
    if (!page) {
      return paging->done(VenueError{VenueErrc::network, "UNREADABLE_REPLY", "userTrades: " + page.error().message, 200,
                                     std::nullopt});
    }
    ++paging->pages;
    const bool full = page->size() >= static_cast<std::size_t>(kUserTradesPageLimit);
    std::string last_id = page->empty() ? std::string() : page->back().trade_id;
    for (auto& fill : page.value()) paging->fills.push_back(std::move(fill));
    if (!full) return paging->done(std::move(paging->fills));
    if (paging->pages >= kMaxUserTradePages) {
      return paging->done(VenueError{VenueErrc::rejected, "TOO_MANY_FILLS",
                                     "more than " + std::to_string(kMaxUserTradePages) + " pages of userTrades", 0,
                                     std::nullopt});
    }
    std::int64_t last = 0;
    const auto [end, ec] = std::from_chars(last_id.data(), last_id.data() + last_id.size(), last);
    if (ec != std::errc{} || end != last_id.data() + last_id.size()) {
      return paging->done(VenueError{VenueErrc::network, "UNREADABLE_REPLY", "userTrades: id '" + last_id +
                                     "' is not a number", 200, std::nullopt});
    }
    request_page(paging, user_trades_next_page(paging->venue_symbol, last));
  });
}

}  // namespace

std::vector<QueryParam> user_trades_first_page(const std::string& venue_symbol, UtcTime since) {
  return {{"symbol", venue_symbol},
          {"startTime", std::to_string(to_unix_ms(since))},
          {"limit", std::to_string(kUserTradesPageLimit)}};
}

std::vector<QueryParam> user_trades_next_page(const std::string& venue_symbol, std::int64_t last_trade_id) {
  return {{"symbol", venue_symbol},
          {"fromId", std::to_string(last_trade_id + 1)},
          {"limit", std::to_string(kUserTradesPageLimit)}};
}

void fetch_fills_since(RestClient& rest, const std::string& venue_symbol, UtcTime since,
                       VenueCallback<std::vector<Fill>> done) {
  auto paging = std::make_shared<Paging>();
  paging->rest = &rest;
  paging->venue_symbol = venue_symbol;
  paging->done = std::move(done);
  request_page(paging, user_trades_first_page(venue_symbol, since));
}

}  // namespace propbot::venues::binance
