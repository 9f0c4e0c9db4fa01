#include "core/history/capture_file.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/unit/history/history_test_support.hpp"

namespace propbot::history {
namespace {

using test_support::TempDir;

class CaptureFileTest : public ::testing::Test {
 protected:
  void write(const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::string header_bytes() {
    CaptureHeader header;
    header.start_unix_ns = 1'700'000'000'000'000'000;
    header.venues = {"BINANCE", "OKX"};
    return encode_capture_header(header).value();
  }
  std::string frame(std::int64_t ns, std::uint8_t venue, RawChannel channel, std::string_view text) {
    std::string out;
    EXPECT_TRUE(append_capture_frame(out, ns, venue, channel, text).ok());
    return out;
  }
  std::vector<CaptureFrame> read_all(CaptureReader& reader) {
    std::vector<CaptureFrame> frames;
    while (auto frame = reader.next()) frames.push_back(*frame);
    return frames;
  }

  TempDir dir;
  std::string path = dir.file("capture.pbcap");
};

TEST_F(CaptureFileTest, RoundTripsHeaderAndFrames) {
  write(header_bytes() + frame(11, 0, RawChannel::market_ws, R"({"e":"depthUpdate"})") +
        frame(12, 1, RawChannel::private_ws, "") + frame(13, 1, RawChannel::rest, std::string(1000, 'z')));
  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  EXPECT_EQ(reader->header().venues, (std::vector<std::string>{"BINANCE", "OKX"}));
  EXPECT_EQ(reader->header().start_unix_ns, 1'700'000'000'000'000'000);
  auto frames = read_all(*reader);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].recv_unix_ns, 11);
  EXPECT_EQ(frames[0].venue, 0);
  EXPECT_EQ(frames[0].channel, RawChannel::market_ws);
  EXPECT_EQ(frames[0].message, R"({"e":"depthUpdate"})");
  EXPECT_EQ(frames[1].channel, RawChannel::private_ws);
  EXPECT_EQ(frames[1].message, "");
  EXPECT_EQ(frames[2].channel, RawChannel::rest);
  EXPECT_EQ(frames[2].message, std::string(1000, 'z'));
  EXPECT_EQ(reader->stop(), CaptureReader::Stop::end);
  EXPECT_EQ(reader->stop_offset(), std::filesystem::file_size(path));
}

TEST_F(CaptureFileTest, StopsBeforeATornTail) {
  const std::string whole = header_bytes() + frame(1, 0, RawChannel::market_ws, "first");
  const std::string last = frame(2, 1, RawChannel::market_ws, "second message");
  // Every cut inside the last frame (its prefix or its payload) is a torn tail.
  for (std::size_t cut = 1; cut < last.size(); ++cut) {
    write(whole + last.substr(0, cut));
    auto reader = CaptureReader::open(path);
    ASSERT_TRUE(reader.ok());
    auto frames = read_all(*reader);
    ASSERT_EQ(frames.size(), 1u) << "cut " << cut;
    EXPECT_EQ(frames[0].message, "first");
    EXPECT_EQ(reader->stop(), CaptureReader::Stop::torn_tail) << "cut " << cut;
    EXPECT_EQ(reader->stop_offset(), whole.size());
  }
}

TEST_F(CaptureFileTest, StopsAtADamagedFrameInTheMiddle) {
  std::string second = frame(2, 0, RawChannel::market_ws, "damaged");
  second.back() ^= 0x01;
  write(header_bytes() + frame(1, 0, RawChannel::market_ws, "ok") + second + frame(3, 0, RawChannel::market_ws, "after"));
  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok());
  auto frames = read_all(*reader);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(reader->stop(), CaptureReader::Stop::corrupt);
}

TEST_F(CaptureFileTest, RefusesAFileThatIsNotACapture) {
  write("PBCAP9 something else entirely");
  EXPECT_EQ(CaptureReader::open(path).error().code, Errc::parse_error);
  std::string header = header_bytes();
  header[10] ^= 0x01;  // inside the start time: the header checksum catches it
  write(header);
  EXPECT_EQ(CaptureReader::open(path).error().code, Errc::parse_error);
  EXPECT_EQ(CaptureReader::open(dir.file("missing")).error().code, Errc::not_found);
}

TEST_F(CaptureFileTest, RefusesAnUnusableVenueTable) {
  CaptureHeader header;
  header.venues = {""};
  EXPECT_FALSE(encode_capture_header(header).ok());
  header.venues.assign(256, "V");
  EXPECT_FALSE(encode_capture_header(header).ok());
}

}  // namespace
}  // namespace propbot::history
