#include "core/exec/outbox_record.hpp"

#include <type_traits>

#include "core/md/crc32.hpp"

namespace propbot::exec {
namespace {

constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kOrderKind = 1;
constexpr std::uint8_t kFillKind = 2;
constexpr std::uint8_t kOrderTypeCount = 2;    // venues::OrderType: limit, market
constexpr std::uint8_t kTimeInForceCount = 4;  // venues::TimeInForce: gtc, ioc, fok, post_only

class PayloadWriter {
 public:
  explicit PayloadWriter(std::string& out) : out_(out) {}

  void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void u32(std::uint32_t value) { little_endian(value, 4); }
  void u64(std::uint64_t value) { little_endian(value, 8); }
  void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
  void i32(std::int32_t value) { u32(static_cast<std::uint32_t>(value)); }
  void flag(bool value) { u8(value ? 1 : 0); }
  template <typename Enum>
  void enumeration(Enum value) { u8(static_cast<std::uint8_t>(value)); }
  void text(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    out_.append(value);
  }
  void decimal(const Decimal& value) {
    i64(value.mantissa());
    u8(static_cast<std::uint8_t>(value.scale()));
  }
  void optional_decimal(const std::optional<Decimal>& value) {
    flag(value.has_value());
    if (value) decimal(*value);
  }

 private:
  void little_endian(std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
  }
  std::string& out_;
};

// Reads what PayloadWriter wrote; any shortfall or bad value sets failed() and yields zeros.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view bytes) : bytes_(bytes) {}

  bool failed() const { return failed_; }
  bool at_end() const { return position_ == bytes_.size(); }

  std::uint8_t u8() { return static_cast<std::uint8_t>(little_endian(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(4)); }
  std::uint64_t u64() { return little_endian(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  bool flag() {
    const std::uint8_t value = u8();
    if (value > 1) failed_ = true;
    return value == 1;
  }
  // `count`: how many values the enum has (its values are 0 … count-1).
  template <typename Enum>
  Enum enumeration(std::uint8_t count) {
    const std::uint8_t value = u8();
    if (value >= count) failed_ = true;
    return failed_ ? Enum{} : static_cast<Enum>(value);
  }
  std::string text() {
    const std::uint32_t size = u32();
    if (failed_ || size > bytes_.size() - position_) {
      failed_ = true;
      return {};
    }
    std::string value(bytes_.substr(position_, size));
    position_ += size;
    return value;
  }
  Decimal decimal() {
    const std::int64_t mantissa = i64();
    const std::uint8_t scale = u8();
    if (scale > Decimal::max_scale) failed_ = true;
    return failed_ ? Decimal{} : Decimal::from_mantissa(mantissa, scale);
  }
  std::optional<Decimal> optional_decimal() {
    if (!flag()) return std::nullopt;
    return decimal();
  }

 private:
  std::uint64_t little_endian(int bytes) {
    if (failed_ || bytes_.size() - position_ < static_cast<std::size_t>(bytes)) {
      failed_ = true;
      return 0;
    }
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[position_ + i])) << (8 * i);
    }
    position_ += static_cast<std::size_t>(bytes);
    return value;
  }

  std::string_view bytes_;
  std::size_t position_ = 0;
  bool failed_ = false;
};

void write_fields(PayloadWriter& w, const OrderEntry& e) {
  w.u8(kOrderKind);
  w.u64(e.seq);
  w.i64(e.ts_ms);
  w.text(e.venue);
  w.text(e.client_order_id);
  w.enumeration(e.event);
  w.u64(e.intent_id);
  w.u64(e.position_id);
  w.text(e.strategy);
  w.enumeration(e.leg);
  w.i32(e.attempt);
  w.text(e.symbol);
  w.enumeration(e.side);
  w.enumeration(e.type);
  w.enumeration(e.time_in_force);
  w.flag(e.reduce_only);
  w.decimal(e.quantity);
  w.optional_decimal(e.price);
  w.decimal(e.filled_quantity);
  w.decimal(e.average_price);
  w.text(e.venue_order_id);
  w.text(e.reason);
  w.flag(e.simulated);
}

void write_fields(PayloadWriter& w, const FillEntry& f) {
  w.u8(kFillKind);
  w.u64(f.seq);
  w.i64(f.ts_ms);
  w.text(f.venue);
  w.text(f.symbol);
  w.text(f.trade_id);
  w.text(f.client_order_id);
  w.u64(f.intent_id);
  w.u64(f.position_id);
  w.enumeration(f.leg);
  w.enumeration(f.side);
  w.decimal(f.quantity);
  w.decimal(f.price);
  w.decimal(f.fee);
  w.text(f.fee_asset);
  w.flag(f.maker);
  w.flag(f.simulated);
}

OrderEntry read_order(PayloadReader& r) {
  OrderEntry e;
  e.seq = r.u64();
  e.ts_ms = r.i64();
  e.venue = r.text();
  e.client_order_id = r.text();
  e.event = r.enumeration<OrderEvent>(static_cast<std::uint8_t>(kAllOrderEvents.size()));
  e.intent_id = r.u64();
  e.position_id = r.u64();
  e.strategy = r.text();
  e.leg = r.enumeration<Leg>(static_cast<std::uint8_t>(kAllLegs.size()));
  e.attempt = r.i32();
  e.symbol = r.text();
  e.side = r.enumeration<Side>(static_cast<std::uint8_t>(kAllSides.size()));
  e.type = r.enumeration<venues::OrderType>(kOrderTypeCount);
  e.time_in_force = r.enumeration<venues::TimeInForce>(kTimeInForceCount);
  e.reduce_only = r.flag();
  e.quantity = r.decimal();
  e.price = r.optional_decimal();
  e.filled_quantity = r.decimal();
  e.average_price = r.decimal();
  e.venue_order_id = r.text();
  e.reason = r.text();
  e.simulated = r.flag();
  return e;
}

FillEntry read_fill(PayloadReader& r) {
  FillEntry f;
  f.seq = r.u64();
  f.ts_ms = r.i64();
  f.venue = r.text();
  f.symbol = r.text();
  f.trade_id = r.text();
  f.client_order_id = r.text();
  f.intent_id = r.u64();
  f.position_id = r.u64();
  f.leg = r.enumeration<Leg>(static_cast<std::uint8_t>(kAllLegs.size()));
  f.side = r.enumeration<Side>(static_cast<std::uint8_t>(kAllSides.size()));
  f.quantity = r.decimal();
  f.price = r.decimal();
  f.fee = r.decimal();
  f.fee_asset = r.text();
  f.maker = r.flag();
  f.simulated = r.flag();
  return f;
}

std::uint32_t read_u32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return value;
}

template <typename Entry>
Status append_any(std::string& out, const Entry& entry) {
  const std::size_t start = out.size();
  out.append(kOutboxFrameHeaderBytes, '\0');
  PayloadWriter writer(out);
  writer.u8(kFormatVersion);
  write_fields(writer, entry);
  const std::size_t payload_size = out.size() - start - kOutboxFrameHeaderBytes;
  if (payload_size > kMaxOutboxPayloadBytes) {
    out.resize(start);
    return make_error(Errc::invalid_argument, "journal entry of " + std::to_string(payload_size) +
                                                  " bytes is larger than the outbox's limit of " +
                                                  std::to_string(kMaxOutboxPayloadBytes) + " bytes");
  }
  const std::string_view payload(out.data() + start + kOutboxFrameHeaderBytes, payload_size);
  std::string header;
  PayloadWriter header_writer(header);
  header_writer.u32(static_cast<std::uint32_t>(payload_size));
  header_writer.u32(md::crc32(payload));
  out.replace(start, kOutboxFrameHeaderBytes, header);
  return {};
}

}  // namespace

std::uint64_t record_seq(const OutboxRecord& record) {
  return std::visit([](const auto& entry) { return entry.seq; }, record);
}

Status append_frame(std::string& out, const OrderEntry& entry) { return append_any(out, entry); }
Status append_frame(std::string& out, const FillEntry& fill) { return append_any(out, fill); }

FrameRead read_frame(std::string_view bytes) {
  FrameRead read;
  if (bytes.size() < kOutboxFrameHeaderBytes) return read;  // torn
  const std::uint32_t length = read_u32(bytes);
  const std::uint32_t crc = read_u32(bytes.substr(4));
  if (length > kMaxOutboxPayloadBytes || length < 2) {
    read.status = FrameStatus::corrupt;
    return read;
  }
  if (bytes.size() - kOutboxFrameHeaderBytes < length) return read;  // torn
  const std::string_view payload = bytes.substr(kOutboxFrameHeaderBytes, length);
  read.status = FrameStatus::corrupt;
  if (md::crc32(payload) != crc) return read;
  PayloadReader reader(payload);
  if (reader.u8() != kFormatVersion) return read;
  const std::uint8_t kind = reader.u8();
  if (kind == kOrderKind) {
    read.record = read_order(reader);
  } else if (kind == kFillKind) {
    read.record = read_fill(reader);
  } else {
    return read;
  }
  if (reader.failed() || !reader.at_end()) return read;
  read.status = FrameStatus::ok;
  read.size = kOutboxFrameHeaderBytes + length;
  return read;
}

}  // namespace propbot::exec
