// CaptureSummary: what a capture file holds — frames and message bytes per venue and
// channel, bytes per event (file bytes ÷ frames, the header included), the time span
// of the receive times, and how reading ended (end | torn_tail | corrupt). What
// `propbot capture info FILE` prints and the benchmark's "capture bytes/event" reads.
//
// Bounds: reads the file once, frame by frame (memory: one frame at a time plus one
// counter per venue × channel). Thread: any; blocks on disk.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"

namespace propbot::history {

// {"path", "venues": [names], "start_unix_ns", "frames", "file_bytes", "message_bytes",
//  "bytes_per_event", "first_recv_unix_ns", "last_recv_unix_ns", "span_s",
//  "by_venue": {venue: {channel: {"frames", "message_bytes"}}}, "stop", "stop_offset"}.
// Errors: those of CaptureReader::open.
Result<nlohmann::json> summarize_capture(const std::string& path);

}  // namespace propbot::history
