// A journal in a vector, for executor tests: the Journal contract's dedupe and
// lifecycle rules, nothing durable. (The product's MemoryJournal replaces it once the
// journal lands; the executor tests then run against both.)
#pragma once

#include <algorithm>
#include <map>

#include "core/exec/journal.hpp"

namespace propbot::exec::testing {

class FakeJournal final : public Journal {
 public:
  Result<RecordOutcome> record(OrderEntry& entry) override {
    if (fail_next) {
      fail_next = false;
      return make_error(Errc::io_error, "disk full (scripted)");
    }
    const auto key = std::make_pair(entry.venue, entry.client_order_id);
    if (auto found = last_.find(key); found != last_.end()) {
      const OrderEntry& last = entries[found->second];
      if (entry.event == last.event && entry.filled_quantity == last.filled_quantity) return count(RecordOutcome::duplicate);
      if (!can_follow(last.event, entry.event) && !(entry.event == OrderEvent::partial && last.event == OrderEvent::partial)) {
        return count(RecordOutcome::stale);
      }
    }
    entry.seq = ++seq_;
    entries.push_back(entry);
    last_[key] = entries.size() - 1;
    return RecordOutcome::recorded;
  }
  Result<RecordOutcome> record_fill(FillEntry& fill) override {
    for (const auto& seen : fill_entries) {
      if (seen.venue == fill.venue && seen.symbol == fill.symbol && seen.trade_id == fill.trade_id) {
        return count(RecordOutcome::duplicate);
      }
    }
    fill.seq = ++seq_;
    fill_entries.push_back(fill);
    return RecordOutcome::recorded;
  }
  std::vector<OrderEntry> unfinished() const override {
    std::vector<OrderEntry> out;
    for (const auto& [key, index] : last_) {
      if (!is_terminal(entries[index].event)) out.push_back(entries[index]);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return out;
  }
  std::optional<OrderEntry> last(std::string_view venue, std::string_view coid) const override {
    auto found = last_.find({std::string(venue), std::string(coid)});
    if (found == last_.end()) return std::nullopt;
    return entries[found->second];
  }
  std::vector<OrderEntry> orders_of(std::uint64_t intent_id) const override {
    std::vector<OrderEntry> out;
    for (const auto& [key, index] : last_) {
      if (entries[index].intent_id == intent_id) out.push_back(entries[index]);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return out;
  }
  std::vector<FillEntry> fills() const override { return fill_entries; }
  std::vector<OrderEntry> events_of(std::uint64_t intent_id) const override {
    std::vector<OrderEntry> out;
    for (const auto& entry : entries) {
      if (entry.intent_id == intent_id) out.push_back(entry);
    }
    return out;
  }
  std::optional<int> last_attempt(std::uint64_t intent_id, Leg leg) const override {
    std::optional<int> best;
    for (const auto& entry : entries) {
      if (entry.intent_id == intent_id && entry.leg == leg) best = std::max(best.value_or(-1), entry.attempt);
    }
    return best;
  }
  std::uint64_t max_intent_id() const override {
    std::uint64_t best = 0;
    for (const auto& entry : entries) best = std::max(best, entry.intent_id);
    return best;
  }
  JournalStats stats() const override {
    JournalStats stats;
    stats.orders_recorded = entries.size();
    stats.fills_recorded = fill_entries.size();
    stats.duplicate_suppressed_total = suppressed;
    stats.last_seq = seq_;
    return stats;
  }

  // The events recorded for one order, in order.
  std::vector<OrderEvent> events_of(const std::string& coid) const {
    std::vector<OrderEvent> out;
    for (const auto& entry : entries) {
      if (entry.client_order_id == coid) out.push_back(entry.event);
    }
    return out;
  }

  std::vector<OrderEntry> entries;
  std::vector<FillEntry> fill_entries;
  std::uint64_t suppressed = 0;
  bool fail_next = false;

 private:
  Result<RecordOutcome> count(RecordOutcome outcome) {
    ++suppressed;
    return outcome;
  }
  std::uint64_t seq_ = 0;
  std::map<std::pair<std::string, std::string>, std::size_t> last_;
};

}  // namespace propbot::exec::testing
