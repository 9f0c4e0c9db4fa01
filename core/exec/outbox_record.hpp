// Outbox records: how one journal entry is laid out in the outbox file that
// SqliteJournal appends to before anything touches the network. The format is chosen
// so a reader after a crash can tell a whole record from a torn one:
//
//   frame   = length:u32 | crc:u32 | payload          (little-endian; length = payload bytes)
//   payload = version:u8 (=1) | kind:u8 (1 order event, 2 fill) | the entry's fields
//   fields  = in declaration order of OrderEntry / FillEntry; integers little-endian
//             (u64/i64/i32), enums and bools one byte, strings length:u32 + bytes,
//             Decimal mantissa:i64 + scale:u8, optional<Decimal> present:u8 [+ Decimal]
//   crc     = CRC-32 (IEEE, core/md/crc32.hpp) of the payload
//
// A compact binary payload and not JSON: the driving thread encodes one per order
// event, and this costs a few hundred ns where JSON would cost microseconds.
//
// Guarantees: decode(encode(x)) == x for every entry within kMaxOutboxPayloadBytes;
// read_frame never reads past its input and never throws: a frame cut short is
// `torn`, a bad length, CRC, version, kind, enum value or trailing byte is `corrupt`.
//
// Pure; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/common/result.hpp"
#include "core/exec/journal.hpp"

namespace propbot::exec {

inline constexpr std::size_t kOutboxFrameHeaderBytes = 8;
inline constexpr std::size_t kMaxOutboxPayloadBytes = 64 * 1024;

using OutboxRecord = std::variant<OrderEntry, FillEntry>;

std::uint64_t record_seq(const OutboxRecord& record);

// Appends one frame to `out`. Errors: invalid_argument when the payload would exceed
// kMaxOutboxPayloadBytes (e.g. a venue's reason text of tens of kilobytes); `out` is
// then unchanged.
Status append_frame(std::string& out, const OrderEntry& entry);
Status append_frame(std::string& out, const FillEntry& fill);

enum class FrameStatus { ok, torn, corrupt };

struct FrameRead {
  FrameStatus status = FrameStatus::torn;
  std::size_t size = 0;  // bytes of the whole frame when ok
  OutboxRecord record;
};

// Reads the frame at the start of `bytes`.
FrameRead read_frame(std::string_view bytes);

}  // namespace propbot::exec
