#include "core/exec/journal.hpp"

#include <array>

#include "core/common/stable_name.hpp"

namespace propbot::exec {
namespace {

constexpr std::array<JournalFsync, 3> kAllJournalFsyncs = {JournalFsync::always, JournalFsync::batch,
                                                           JournalFsync::never};

}  // namespace

std::string_view to_string(RecordOutcome outcome) {
  switch (outcome) {
    case RecordOutcome::recorded: return "recorded";
    case RecordOutcome::duplicate: return "duplicate";
    case RecordOutcome::stale: return "stale";
  }
  return "recorded";
}

std::string_view to_string(JournalFsync policy) {
  switch (policy) {
    case JournalFsync::always: return "always";
    case JournalFsync::batch: return "batch";
    case JournalFsync::never: return "never";
  }
  return "batch";
}

std::optional<JournalFsync> parse_journal_fsync(std::string_view text) {
  return find_by_name(text, kAllJournalFsyncs);
}

}  // namespace propbot::exec
