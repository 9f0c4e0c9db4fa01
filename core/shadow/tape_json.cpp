#include "core/shadow/tape_json.hpp"

namespace propbot::shadow {
namespace {

using nlohmann::json;

Error bad(const std::string& what) { return Error{Errc::parse_error, "tape: " + what}; }

json flat(const md::BookLevel* levels, std::size_t count) {
  json out = json::array();
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(levels[i].price_ticks);
    out.push_back(levels[i].qty_lots);
  }
  return out;
}

// Appends a flat [price, qty, …] array's levels; false when malformed.
bool read_levels(const json& side, std::vector<md::BookLevel>& levels, std::uint8_t& count) {
  if (!side.is_array() || side.size() % 2 != 0 || side.size() / 2 > 255) return false;
  for (std::size_t i = 0; i < side.size(); i += 2) {
    if (!side[i].is_number_integer() || !side[i + 1].is_number_integer()) return false;
    levels.push_back(md::BookLevel{side[i].get<std::int64_t>(), side[i + 1].get<std::int64_t>()});
  }
  count = static_cast<std::uint8_t>(side.size() / 2);
  return true;
}

bool non_negative(const json& number) {
  return number.is_number_unsigned() || (number.is_number_integer() && number.get<std::int64_t>() >= 0);
}

std::optional<Decimal> decimal(const json& text) {
  if (!text.is_string()) return std::nullopt;
  auto parsed = Decimal::parse(text.get<std::string>());
  if (!parsed) return std::nullopt;
  return *parsed;
}

}  // namespace

json tape_to_json(const engine::MarketTapeView& tape) {
  json instruments = json::array();
  if (tape.instruments) {
    for (const auto& spec : *tape.instruments) {
      instruments.push_back({{"venue", spec.venue},
                             {"symbol", spec.symbol},
                             {"kind", spec.kind},
                             {"tick_size", spec.tick_size},
                             {"lot_size", spec.lot_size},
                             {"min_notional", spec.min_notional}});
    }
  }
  json events = json::array();
  std::optional<MonoTime> first;
  tape.for_each([&](const engine::TapeEvent& event, const engine::TapeBlock& block) {
    if (!first) first = event.at;
    const auto dt_us = std::chrono::duration_cast<std::chrono::microseconds>(event.at - *first).count();
    if (event.kind == engine::TapeEventKind::funding) {
      events.push_back(json::array({1, dt_us, event.instrument, event.funding_rate.to_string(),
                                    event.mark_price.to_string(), event.index_price.to_string(),
                                    event.next_funding_ms}));
      return;
    }
    const md::BookLevel* levels = block.levels.data() + event.first_level;
    events.push_back(json::array(
        {0, dt_us, event.instrument, event.sequence, flat(levels, event.bids), flat(levels + event.bids, event.asks)}));
  });
  return json{{"window_s", tape.window_s},
              {"depth", tape.depth},
              {"utc_ms", first ? to_unix_ms(tape.utc_of(*first)) : to_unix_ms(tape.ref_utc)},
              {"instruments", std::move(instruments)},
              {"events", std::move(events)}};
}

Result<engine::MarketTapeView> tape_from_json(const json& j) {
  if (!j.is_object()) return bad("not an object");
  const auto instruments_json = j.find("instruments");
  const auto events_json = j.find("events");
  if (instruments_json == j.end() || !instruments_json->is_array()) return bad("'instruments' must be an array");
  if (events_json == j.end() || !events_json->is_array()) return bad("'events' must be an array");
  if (instruments_json->size() > kMaxTapeInstruments) return bad("more than " + std::to_string(kMaxTapeInstruments) + " instruments");
  if (events_json->size() > kMaxTapeEvents) return bad("more than " + std::to_string(kMaxTapeEvents) + " events");
  if (!j.value("utc_ms", json()).is_number_integer()) return bad("'utc_ms' must be an integer");

  auto instruments = std::make_shared<std::vector<md::InstrumentSpec>>();
  for (const json& entry : *instruments_json) {
    if (!entry.is_object()) return bad("an instrument is not an object");
    md::InstrumentSpec spec;
    spec.venue = entry.value("venue", std::string());
    spec.symbol = entry.value("symbol", std::string());
    spec.kind = entry.value("kind", std::string("PERP"));
    spec.tick_size = entry.value("tick_size", 0.0);
    spec.lot_size = entry.value("lot_size", 0.0);
    spec.min_notional = entry.value("min_notional", 0.0);
    if (spec.venue.empty() || spec.symbol.empty() || !(spec.tick_size > 0) || !(spec.lot_size > 0)) {
      return bad("an instrument needs venue, symbol and positive tick_size and lot_size");
    }
    instruments->push_back(std::move(spec));
  }

  const MonoTime origin{std::chrono::hours(1)};
  auto block = std::make_shared<engine::TapeBlock>();
  block->events.reserve(events_json->size());
  std::int64_t last_us = 0;
  for (std::size_t i = 0; i < events_json->size(); ++i) {
    const json& entry = (*events_json)[i];
    const std::string at = "events[" + std::to_string(i) + "]";
    if (!entry.is_array() || entry.size() < 3 || !entry[0].is_number_integer() || !entry[1].is_number_integer() ||
        !non_negative(entry[2])) {
      return bad(at + " must be [kind, dt_us, instrument, …]");
    }
    const std::int64_t dt_us = entry[1].get<std::int64_t>();
    if (dt_us < last_us) return bad(at + ": times must not decrease");
    last_us = dt_us;
    engine::TapeEvent event;
    event.at = origin + std::chrono::microseconds(dt_us);
    const auto instrument = entry[2].get<std::uint64_t>();
    if (instrument >= instruments->size()) return bad(at + ": no instrument " + std::to_string(instrument));
    event.instrument = static_cast<std::uint32_t>(instrument);
    event.first_level = static_cast<std::uint32_t>(block->levels.size());
    if (entry[0] == 0) {
      if (entry.size() != 6 || !non_negative(entry[3])) return bad(at + ": a book is [0, dt_us, instrument, sequence, bids, asks]");
      event.kind = engine::TapeEventKind::book;
      event.sequence = entry[3].get<std::uint64_t>();
      if (!read_levels(entry[4], block->levels, event.bids) || !read_levels(entry[5], block->levels, event.asks)) {
        return bad(at + ": a side must be a flat array of at most 255 [price_ticks, qty_lots] pairs");
      }
    } else if (entry[0] == 1) {
      if (entry.size() != 7 || !entry[6].is_number_integer()) {
        return bad(at + ": funding is [1, dt_us, instrument, rate, mark, index, next_funding_ms]");
      }
      auto rate = decimal(entry[3]);
      auto mark = decimal(entry[4]);
      auto index = decimal(entry[5]);
      if (!rate || !mark || !index) return bad(at + ": rate, mark and index must be decimal text");
      event.kind = engine::TapeEventKind::funding;
      event.funding_rate = *rate;
      event.mark_price = *mark;
      event.index_price = *index;
      event.next_funding_ms = entry[6].get<std::int64_t>();
    } else {
      return bad(at + ": kind must be 0 (book) or 1 (funding)");
    }
    block->events.push_back(event);
  }

  engine::MarketTapeView view;
  view.instruments = std::move(instruments);
  if (!block->events.empty()) view.blocks.push_back(std::move(block));
  view.from = origin;
  view.ref_mono = origin;
  view.ref_utc = UtcTime{std::chrono::milliseconds(j["utc_ms"].get<std::int64_t>())};
  view.window_s = j.value("window_s", 0);
  view.depth = j.value("depth", 0);
  return view;
}

}  // namespace propbot::shadow
