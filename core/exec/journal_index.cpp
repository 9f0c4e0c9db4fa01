#include "core/exec/journal_index.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace propbot::exec {
namespace {

constexpr std::uint64_t kMaxStoredId = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

Status require(bool ok, std::string_view what, std::string_view field) {
  if (ok) return {};
  return make_error(Errc::invalid_argument, "journal " + std::string(what) + ": " + std::string(field));
}

bool is_order_start(OrderEvent event) { return event == OrderEvent::intent || event == OrderEvent::new_order; }

// How far along the lifecycle an event is, for "already past it".
int stage(OrderEvent event) {
  switch (event) {
    case OrderEvent::intent: return 0;
    case OrderEvent::new_order: return 1;
    default: return 2;
  }
}

}  // namespace

Status check_entry(const OrderEntry& entry) {
  for (Status status : {require(!entry.venue.empty(), "order entry", "venue is empty"),
                        require(!entry.client_order_id.empty(), "order entry", "client_order_id is empty"),
                        require(entry.intent_id <= kMaxStoredId, "order entry", "intent_id is above 2^63-1"),
                        require(entry.position_id <= kMaxStoredId, "order entry", "position_id is above 2^63-1")}) {
    if (!status) return status;
  }
  return {};
}

Status check_entry(const FillEntry& fill) {
  for (Status status : {require(!fill.venue.empty(), "fill", "venue is empty"),
                        require(!fill.symbol.empty(), "fill", "symbol is empty"),
                        require(!fill.trade_id.empty(), "fill", "trade_id is empty"),
                        require(fill.intent_id <= kMaxStoredId, "fill", "intent_id is above 2^63-1"),
                        require(fill.position_id <= kMaxStoredId, "fill", "position_id is above 2^63-1")}) {
    if (!status) return status;
  }
  return {};
}

std::size_t JournalIndex::PairHash::operator()(const PairView& key) const {
  const std::size_t a = std::hash<std::string_view>{}(key.first);
  const std::size_t b = std::hash<std::string_view>{}(key.second);
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

std::size_t JournalIndex::AttemptHash::operator()(const AttemptKey& key) const {
  return std::hash<std::uint64_t>{}(key.intent_id * 3 + static_cast<std::uint64_t>(key.leg));
}

std::string JournalIndex::fill_tail(std::string_view symbol, std::string_view trade_id) {
  std::string tail;
  tail.reserve(symbol.size() + 1 + trade_id.size());
  tail.append(symbol).push_back('\x1f');  // unit separator: in neither a symbol nor a trade id
  tail.append(trade_id);
  return tail;
}

JournalIndex::JournalIndex(JournalBounds bounds) : bounds_(bounds) {}

RecordOutcome JournalIndex::classify(const OrderEntry& entry) const {
  const OrderEntry* last = find(entry.venue, entry.client_order_id);
  if (last == nullptr) return is_order_start(entry.event) ? RecordOutcome::recorded : RecordOutcome::stale;
  if (is_order_start(entry.event) && stage(last->event) >= stage(entry.event)) return RecordOutcome::duplicate;
  if (entry.event == last->event && entry.filled_quantity == last->filled_quantity) return RecordOutcome::duplicate;
  if (!can_follow(last->event, entry.event)) return RecordOutcome::stale;
  const bool reports_fill = entry.event == OrderEvent::partial || entry.event == OrderEvent::filled;
  if (reports_fill && entry.filled_quantity < last->filled_quantity) return RecordOutcome::stale;
  return RecordOutcome::recorded;
}

RecordOutcome JournalIndex::classify(const FillEntry& fill) const {
  const std::string tail = fill_tail(fill.symbol, fill.trade_id);
  return fill_keys_.contains(PairView{fill.venue, tail}) ? RecordOutcome::duplicate : RecordOutcome::recorded;
}

void JournalIndex::apply(const OrderEntry& entry) {
  auto found = orders_.find(PairView{entry.venue, entry.client_order_id});
  if (found == orders_.end()) {
    found = orders_.emplace(PairKey{entry.venue, entry.client_order_id}, entry).first;
  } else {
    found->second = entry;
  }
  if (is_terminal(entry.event)) finished_.push_back(found->first);

  const AttemptKey attempt_key{entry.intent_id, entry.leg};
  auto [slot, inserted] = attempts_.try_emplace(attempt_key, AttemptSlot{entry.attempt, entry.seq});
  if (inserted) {
    attempt_order_.push_back(attempt_key);
  } else {
    slot->second.attempt = std::max(slot->second.attempt, entry.attempt);
    slot->second.seq = std::max(slot->second.seq, entry.seq);
  }
  max_intent_id_ = std::max(max_intent_id_, entry.intent_id);
}

void JournalIndex::apply(const FillEntry& fill) {
  PairKey key{fill.venue, fill_tail(fill.symbol, fill.trade_id)};
  if (fill_keys_.insert(key).second) fill_order_.emplace_back(std::move(key), fill.seq);
}

void JournalIndex::trim(std::uint64_t evictable_seq) {
  while (finished_.size() > bounds_.recent_terminal_orders) {
    auto found = orders_.find(PairView{finished_.front().first, finished_.front().second});
    if (found != orders_.end() && is_terminal(found->second.event)) {
      if (found->second.seq > evictable_seq) break;
      orders_.erase(found);
    }
    finished_.pop_front();
  }
  while (fill_order_.size() > bounds_.recent_fills && fill_order_.front().second <= evictable_seq) {
    fill_keys_.erase(fill_order_.front().first);
    fill_order_.pop_front();
  }
  while (attempt_order_.size() > bounds_.recent_attempts) {
    auto found = attempts_.find(attempt_order_.front());
    if (found != attempts_.end()) {
      if (found->second.seq > evictable_seq) break;
      incomplete_through_ = std::max(incomplete_through_, found->first.intent_id);
      attempts_.erase(found);
    }
    attempt_order_.pop_front();
  }
}

std::vector<OrderEntry> JournalIndex::unfinished() const {
  std::vector<OrderEntry> open;
  for (const auto& [key, entry] : orders_) {
    if (!is_terminal(entry.event)) open.push_back(entry);
  }
  std::sort(open.begin(), open.end(), [](const OrderEntry& a, const OrderEntry& b) { return a.seq < b.seq; });
  return open;
}

const OrderEntry* JournalIndex::find(std::string_view venue, std::string_view client_order_id) const {
  auto found = orders_.find(PairView{venue, client_order_id});
  return found == orders_.end() ? nullptr : &found->second;
}

std::optional<int> JournalIndex::last_attempt(std::uint64_t intent_id, Leg leg) const {
  auto found = attempts_.find(AttemptKey{intent_id, leg});
  if (found == attempts_.end()) return std::nullopt;
  return found->second.attempt;
}

}  // namespace propbot::exec
