// Capture file: the compact, append-only record of raw venue messages with their
// receive times (`propbot run --capture FILE`, SPEC S-9.6), the input of replay.
//
// Layout (every integer little-endian):
//   header  "PBCAP1" | u16 version (1) | u64 start_unix_ns | u8 venue count |
//           venue count × (u8 length | name bytes) | u32 crc32 of everything before it
//   frames  u32 len | u32 crc32(payload) | payload (len bytes), payload =
//           u64 recv_unix_ns | u8 venue index | u8 channel (RawChannel) | message bytes
//   A market_ws / private_ws message is the WebSocket text as received; a rest message
//   is "<METHOD> <target> <HTTP status>\n<body>" (core/common/raw_message_tap.hpp).
//
// Guarantees:
// - A writer only appends whole frames, so a crash can leave at most one partial frame
//   at the end. CaptureReader returns every whole, checksummed frame and then stops: at
//   the clean end (Stop::end), at a partial frame at the end (Stop::torn_tail — the
//   crash case), or at a frame whose checksum, length or venue is wrong (Stop::corrupt,
//   with the byte offset). It never returns a frame it could not verify.
// - Bounds: a frame's message is at most kMaxCaptureMessageBytes; at most 255 venues of
//   at most 255 bytes of name each.
//
// Thread: encoding functions are pure; a CaptureReader is used by one thread.
// Uses core/md/crc32 and core/common/raw_message_tap (RawChannel).
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/raw_message_tap.hpp"
#include "core/common/result.hpp"

namespace propbot::history {

inline constexpr std::string_view kCaptureMagic = "PBCAP1";
inline constexpr std::uint16_t kCaptureVersion = 1;
inline constexpr std::size_t kMaxCaptureMessageBytes = 16u << 20;
// len + crc + recv time + venue + channel: the bytes a frame adds to its message.
inline constexpr std::size_t kCaptureFrameOverhead = 4 + 4 + 8 + 1 + 1;

struct CaptureHeader {
  std::uint16_t version = kCaptureVersion;
  std::int64_t start_unix_ns = 0;
  std::vector<std::string> venues;  // a frame's venue byte indexes this table
};

struct CaptureFrame {
  std::int64_t recv_unix_ns = 0;
  std::uint8_t venue = 0;
  RawChannel channel = RawChannel::market_ws;
  std::string message;
};

// The header's bytes. Errors: invalid_argument (more than 255 venues, an empty or
// longer than 255 bytes name).
Result<std::string> encode_capture_header(const CaptureHeader& header);
// Appends one frame's bytes to `out`. Errors: invalid_argument (message too long).
Status append_capture_frame(std::string& out, std::int64_t recv_unix_ns, std::uint8_t venue, RawChannel channel,
                            std::string_view message);

class CaptureReader {
 public:
  enum class Stop { none, end, torn_tail, corrupt };

  // Opens `path` and reads its header. Errors: not_found, io_error, parse_error (not a
  // capture file, unknown version, damaged header).
  static Result<CaptureReader> open(const std::string& path);

  const CaptureHeader& header() const { return header_; }
  // The next verified frame, or nullopt with stop() telling why.
  std::optional<CaptureFrame> next();
  Stop stop() const { return stop_; }
  std::uint64_t stop_offset() const { return offset_; }  // where reading stopped
  std::uint64_t frames_read() const { return frames_; }

 private:
  CaptureReader() = default;
  std::optional<CaptureFrame> halt(Stop why);

  std::ifstream in_;
  CaptureHeader header_;
  std::uint64_t offset_ = 0;  // bytes consumed (header + whole frames)
  std::uint64_t frames_ = 0;
  Stop stop_ = Stop::none;
};

std::string_view to_string(CaptureReader::Stop stop);

}  // namespace propbot::history
