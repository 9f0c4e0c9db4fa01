#include "core/venues/okx/funding_history.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/venues/okx/parse.hpp"

namespace propbot::venues::okx {

namespace {

// A payment with its billId as a number: the cursor, and the order they are answered in.
using NumberedPayment = std::pair<std::int64_t, FundingPayment>;

struct Paging {
  RestClient* rest = nullptr;
  const InstrumentTable* instruments = nullptr;
  UtcTime since{};
  std::vector<NumberedPayment> payments;
  int pages = 0;
  VenueCallback<std::vector<FundingPayment>> done;
};

VenueError unreadable(const std::string& message) {
  return VenueError{VenueErrc::network, "UNREADABLE_REPLY", "account/bills: " + message, 200, std::nullopt};
}

void finish(Paging& paging) {
  std::sort(paging.payments.begin(), paging.payments.end(),
            [](const NumberedPayment& a, const NumberedPayment& b) { return a.first < b.first; });
  std::vector<FundingPayment> out;
  out.reserve(paging.payments.size());
  for (auto& [number, payment] : paging.payments) out.push_back(std::move(payment));
  paging.done(std::move(out));
}

void request_page(std::shared_ptr<Paging> paging, const std::string& after) {
  paging->rest->send(endpoints::kBills, funding_bills_query(paging->since, after), "",
                     [paging](VenueResult<nlohmann::json> reply) {
                       if (!reply) return paging->done(reply.error());
                       // Fullness counts every bill sent, funding or not: type=8 was asked for.
                       const auto data = reply.value().find("data");
                       auto page = parse_funding_bills(reply.value(), *paging->instruments);
                       if (!page) return paging->done(unreadable(page.error().message));
                       ++paging->pages;
                       const bool full = data != reply.value().end() && data->is_array() &&
                                         data->size() >= static_cast<std::size_t>(kBillsPageLimit);
                       std::optional<std::int64_t> oldest;
                       for (const auto& item : *data) {
                         const auto field = item.is_object() ? item.find("billId") : item.end();
                         const std::string id =
                             field != item.end() && field->is_string() ? field->get<std::string>() : std::string();
                         auto number = bill_id_number(id);
                         if (!number) return paging->done(unreadable("billId '" + id + "' is not a number"));
                         if (!oldest || *number < *oldest) oldest = number;
                       }
                       for (auto& payment : page.value()) {
                         const auto number = bill_id_number(payment.payment_id);
                         paging->payments.emplace_back(number.value_or(0), std::move(payment));
                       }
                       if (!full) return finish(*paging);
                       if (paging->pages >= kMaxBillPages) {
                         return paging->done(VenueError{VenueErrc::rejected, "TOO_MANY_PAYMENTS",
                                                        "more than " + std::to_string(kMaxBillPages) +
                                                            " pages of account/bills",
                                                        0, std::nullopt});
                       }
                       request_page(paging, std::to_string(*oldest));
                     });
}

}  // namespace

std::string funding_bills_query(UtcTime since, const std::string& after) {
  std::vector<std::pair<std::string, std::string>> params{{"instType", "SWAP"},
                                                          {"type", "8"},
                                                          {"begin", std::to_string(to_unix_ms(since))},
                                                          {"limit", std::to_string(kBillsPageLimit)}};
  if (!after.empty()) params.emplace_back("after", after);
  return query_string(params);
}

void fetch_funding_since(RestClient& rest, const InstrumentTable& instruments, UtcTime since,
                         VenueCallback<std::vector<FundingPayment>> done) {
  auto paging = std::make_shared<Paging>();
  paging->rest = &rest;
  paging->instruments = &instruments;
  paging->since = since;
  paging->done = std::move(done);
  request_page(paging, "");
}

}  // namespace propbot::venues::okx
