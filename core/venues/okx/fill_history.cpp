#include "core/venues/okx/fill_history.hpp"

#include <memory>

#include "core/venues/okx/parse.hpp"

namespace propbot::venues::okx {

namespace {

struct Paging {
  RestClient* rest = nullptr;
  const InstrumentTable* instruments = nullptr;
  std::string inst_id;
  UtcTime since{};
  std::vector<Fill> fills;
  int pages = 0;
  VenueCallback<std::vector<Fill>> done;
};

VenueError unreadable(const std::string& message) {
  return VenueError{VenueErrc::network, "UNREADABLE_REPLY", "trade/fills: " + message, 200, std::nullopt};
}

void request_page(std::shared_ptr<Paging> paging, const std::string& after) {
  paging->rest->send(endpoints::kFills, fills_query(paging->inst_id, paging->since, after), "",
                     [paging](VenueResult<nlohmann::json> reply) {
                       if (!reply) return paging->done(reply.error());
                       auto page = parse_fills(reply.value(), *paging->instruments);
                       if (!page) return paging->done(unreadable(page.error().message));
                       ++paging->pages;
                       std::optional<std::int64_t> oldest;
                       for (const auto& record : page.value()) {
                         auto bill = bill_id_number(record.bill_id);
                         if (!bill) return paging->done(unreadable("billId '" + record.bill_id + "' is not a number"));
                         if (!oldest || *bill < *oldest) oldest = bill;
                       }
                       const bool full = page->size() >= static_cast<std::size_t>(kFillsPageLimit);
                       for (auto& record : page.value()) paging->fills.push_back(std::move(record.fill));
                       if (!full) return paging->done(std::move(paging->fills));
                       if (paging->pages >= kMaxFillPages) {
                         return paging->done(VenueError{VenueErrc::rejected, "TOO_MANY_FILLS",
                                                        "more than " + std::to_string(kMaxFillPages) +
                                                            " pages of trade/fills",
                                                        0, std::nullopt});
                       }
                       request_page(paging, std::to_string(*oldest));
                     });
}

}  // namespace

std::string fills_query(const std::string& inst_id, UtcTime since, const std::string& after) {
  std::vector<std::pair<std::string, std::string>> params{{"instType", "SWAP"},
                                                          {"instId", inst_id},
                                                          {"begin", std::to_string(to_unix_ms(since))},
                                                          {"limit", std::to_string(kFillsPageLimit)}};
  if (!after.empty()) params.emplace_back("after", after);
  return query_string(params);
}

void fetch_fills_since(RestClient& rest, const InstrumentTable& instruments, const std::string& inst_id,
                       UtcTime since, VenueCallback<std::vector<Fill>> done) {
  auto paging = std::make_shared<Paging>();
  paging->rest = &rest;
  paging->instruments = &instruments;
  paging->inst_id = inst_id;
  paging->since = since;
  paging->done = std::move(done);
  request_page(paging, "");
}

}  // namespace propbot::venues::okx
