#include "core/history/capture_file.hpp"

#include <filesystem>

#include "core/md/crc32.hpp"

namespace propbot::history {
namespace {

template <typename T>
void put(std::string& out, T value) {
  const auto bits = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

template <typename T>
T get(std::string_view bytes, std::size_t at) {
  std::make_unsigned_t<T> bits = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    bits |= static_cast<std::make_unsigned_t<T>>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return static_cast<T>(bits);
}

// Reads exactly `count` bytes; fewer means the file ended.
bool read_exactly(std::ifstream& in, std::string& into, std::size_t count) {
  into.resize(count);
  in.read(into.data(), static_cast<std::streamsize>(count));
  return static_cast<std::size_t>(in.gcount()) == count;
}

Error bad_header(const std::string& path, const std::string& why) {
  return make_error(Errc::parse_error, path + ": not a readable capture file (" + why + ")");
}

}  // namespace

Result<std::string> encode_capture_header(const CaptureHeader& header) {
  if (header.venues.size() > 255) return make_error(Errc::invalid_argument, "a capture holds at most 255 venues");
  std::string out(kCaptureMagic);
  put<std::uint16_t>(out, header.version);
  put<std::int64_t>(out, header.start_unix_ns);
  put<std::uint8_t>(out, static_cast<std::uint8_t>(header.venues.size()));
  for (const std::string& venue : header.venues) {
    if (venue.empty() || venue.size() > 255) {
      return make_error(Errc::invalid_argument, "capture venue name '" + venue + "' must be 1..255 bytes");
    }
    put<std::uint8_t>(out, static_cast<std::uint8_t>(venue.size()));
    out += venue;
  }
  put<std::uint32_t>(out, md::crc32(out));
  return out;
}

Status append_capture_frame(std::string& out, std::int64_t recv_unix_ns, std::uint8_t venue, RawChannel channel,
                            std::string_view message) {
  if (message.size() > kMaxCaptureMessageBytes) {
    return make_error(Errc::invalid_argument, "capture message of " + std::to_string(message.size()) +
                                                  " bytes exceeds " + std::to_string(kMaxCaptureMessageBytes));
  }
  const std::size_t start = out.size();
  out.resize(start + 8);  // len and crc, filled in below
  put<std::int64_t>(out, recv_unix_ns);
  put<std::uint8_t>(out, venue);
  put<std::uint8_t>(out, static_cast<std::uint8_t>(channel));
  out.append(message);
  const std::string_view payload = std::string_view(out).substr(start + 8);
  std::string prefix;
  put<std::uint32_t>(prefix, static_cast<std::uint32_t>(payload.size()));
  put<std::uint32_t>(prefix, md::crc32(payload));
  out.replace(start, 8, prefix);
  return {};
}

Result<CaptureReader> CaptureReader::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "capture file " + path + " does not exist");
  CaptureReader reader;
  reader.in_.open(path, std::ios::binary);
  if (!reader.in_) return make_error(Errc::io_error, "cannot open capture file " + path);
  std::string head;
  constexpr std::size_t kFixed = kCaptureMagic.size() + 2 + 8 + 1;
  if (!read_exactly(reader.in_, head, kFixed)) return bad_header(path, "shorter than a header");
  if (std::string_view(head).substr(0, kCaptureMagic.size()) != kCaptureMagic) return bad_header(path, "no PBCAP1 magic");
  reader.header_.version = get<std::uint16_t>(head, kCaptureMagic.size());
  if (reader.header_.version != kCaptureVersion) {
    return bad_header(path, "version " + std::to_string(reader.header_.version) + ", this build reads " +
                                std::to_string(kCaptureVersion));
  }
  reader.header_.start_unix_ns = get<std::int64_t>(head, kCaptureMagic.size() + 2);
  const std::size_t venues = static_cast<unsigned char>(head[kFixed - 1]);
  std::string piece;
  for (std::size_t i = 0; i < venues; ++i) {
    if (!read_exactly(reader.in_, piece, 1)) return bad_header(path, "venue table cut short");
    head += piece;
    const std::size_t length = static_cast<unsigned char>(piece[0]);
    if (!read_exactly(reader.in_, piece, length)) return bad_header(path, "venue table cut short");
    head += piece;
    reader.header_.venues.push_back(piece);
  }
  if (!read_exactly(reader.in_, piece, 4)) return bad_header(path, "header checksum missing");
  if (get<std::uint32_t>(piece, 0) != md::crc32(head)) return bad_header(path, "header checksum mismatch");
  reader.offset_ = head.size() + 4;
  return reader;
}

std::optional<CaptureFrame> CaptureReader::halt(Stop why) {
  stop_ = why;
  return std::nullopt;
}

std::optional<CaptureFrame> CaptureReader::next() {
  if (stop_ != Stop::none) return std::nullopt;
  std::string prefix;
  if (!read_exactly(in_, prefix, 8)) return halt(in_.gcount() == 0 ? Stop::end : Stop::torn_tail);
  const std::uint32_t length = get<std::uint32_t>(prefix, 0);
  const std::uint32_t crc = get<std::uint32_t>(prefix, 4);
  if (length < kCaptureFrameOverhead - 8 || length > kMaxCaptureMessageBytes + kCaptureFrameOverhead - 8) {
    // A garbage length at the very end is a torn write as well; elsewhere it is damage.
    return halt(in_.peek() == std::char_traits<char>::eof() ? Stop::torn_tail : Stop::corrupt);
  }
  std::string payload;
  if (!read_exactly(in_, payload, length)) return halt(Stop::torn_tail);
  if (md::crc32(payload) != crc) return halt(in_.peek() == std::char_traits<char>::eof() ? Stop::torn_tail : Stop::corrupt);
  const std::uint8_t venue = static_cast<std::uint8_t>(payload[8]);
  const std::optional<RawChannel> channel = raw_channel_of(static_cast<std::uint8_t>(payload[9]));
  if (venue >= header_.venues.size() || !channel) return halt(Stop::corrupt);
  CaptureFrame frame;
  frame.recv_unix_ns = get<std::int64_t>(payload, 0);
  frame.venue = venue;
  frame.channel = *channel;
  frame.message = payload.substr(10);
  offset_ += 8 + length;
  ++frames_;
  return frame;
}

std::string_view to_string(CaptureReader::Stop stop) {
  switch (stop) {
    case CaptureReader::Stop::none: return "none";
    case CaptureReader::Stop::end: return "end";
    case CaptureReader::Stop::torn_tail: return "torn_tail";
    case CaptureReader::Stop::corrupt: return "corrupt";
  }
  return "unknown";
}

}  // namespace propbot::history
