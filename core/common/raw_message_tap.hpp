// RawMessageTap: an optional hook through which a venue adapter hands over the raw text
// of every message it receives (WebSocket messages and REST answers), before parsing — what `propbot run --capture FILE`
// records for deterministic replay (core/history/capture_writer.hpp).
//
// Guarantees: an empty tap costs one branch per message (`if (tap)`); adapters call it
// on their network thread (the engine thread), synchronously, with text that is valid
// only during the call, so a tap must copy what it keeps and must never block. The
// channel names are stable (they are written into capture files as their numbers).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace propbot {

// Where a raw message came from. The numbers are the capture file's channel byte.
enum class RawChannel : std::uint8_t { market_ws = 0, private_ws = 1, rest = 2 };

constexpr std::string_view to_string(RawChannel channel) {
  switch (channel) {
    case RawChannel::market_ws: return "market_ws";
    case RawChannel::private_ws: return "private_ws";
    case RawChannel::rest: return "rest";
  }
  return "unknown";
}

constexpr std::optional<RawChannel> raw_channel_of(std::uint8_t code) {
  if (code > static_cast<std::uint8_t>(RawChannel::rest)) return std::nullopt;
  return static_cast<RawChannel>(code);
}

// A REST answer goes through the tap as "<METHOD> <target> <HTTP status>\n<body>", the
// target with its parameters (query or form body, written as a query) but never a
// signature (Binance's is left out; OKX signs in headers), so a replay knows which
// request it answers (e.g. which symbol's depth snapshot). Transport failures (no
// answer) are not tapped.
inline std::string rest_answer_text(std::string_view method, std::string_view target, int status, std::string_view body) {
  std::string text;
  text.reserve(method.size() + target.size() + body.size() + 8);
  text.append(method).append(" ").append(target).append(" ").append(std::to_string(status)).append("\n").append(body);
  return text;
}

// One per venue: the venue is implied by which adapter holds it.
using RawMessageTap = std::function<void(RawChannel channel, std::string_view text)>;
// The tap for a venue id (an empty tap: nothing captured there).
using RawTapSource = std::function<RawMessageTap(const std::string& venue_id)>;

}  // namespace propbot
