#include "core/history/capture_summary.hpp"

#include <array>
#include <filesystem>
#include <vector>

#include "core/history/capture_file.hpp"

namespace propbot::history {

Result<nlohmann::json> summarize_capture(const std::string& path) {
  auto reader = CaptureReader::open(path);
  if (!reader) return reader.error();
  const auto& venues = reader->header().venues;
  struct Count {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
  };
  std::vector<std::array<Count, 3>> counts(venues.size());
  std::uint64_t frames = 0;
  std::uint64_t message_bytes = 0;
  std::int64_t first = 0;
  std::int64_t last = 0;
  while (auto frame = reader->next()) {
    if (frames == 0) first = frame->recv_unix_ns;
    last = frame->recv_unix_ns;
    ++frames;
    message_bytes += frame->message.size();
    Count& count = counts[frame->venue][static_cast<std::size_t>(frame->channel)];
    ++count.frames;
    count.bytes += frame->message.size();
  }
  nlohmann::json by_venue = nlohmann::json::object();
  for (std::size_t v = 0; v < venues.size(); ++v) {
    nlohmann::json channels = nlohmann::json::object();
    for (std::size_t c = 0; c < 3; ++c) {
      if (counts[v][c].frames == 0) continue;
      channels[std::string(to_string(static_cast<RawChannel>(c)))] = {{"frames", counts[v][c].frames},
                                                                      {"message_bytes", counts[v][c].bytes}};
    }
    by_venue[venues[v]] = std::move(channels);
  }
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(path, ec);
  return nlohmann::json{
      {"path", path},
      {"venues", venues},
      {"start_unix_ns", reader->header().start_unix_ns},
      {"frames", frames},
      {"file_bytes", ec ? 0 : file_bytes},
      {"message_bytes", message_bytes},
      {"bytes_per_event", frames == 0 ? 0.0 : static_cast<double>(reader->stop_offset()) / static_cast<double>(frames)},
      {"first_recv_unix_ns", first},
      {"last_recv_unix_ns", last},
      {"span_s", static_cast<double>(last - first) / 1e9},
      {"by_venue", std::move(by_venue)},
      {"stop", std::string(to_string(reader->stop()))},
      {"stop_offset", reader->stop_offset()}};
}

}  // namespace propbot::history
