#include "core/exec/outbox_record.hpp"

#include <type_traits>

#include "core/exec/journal_fields.hpp"
#include "core/md/crc32.hpp"

namespace propbot::exec {
namespace {

constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kOrderKind = 1;
constexpr std::uint8_t kFillKind = 2;

// Appends each field as the header describes (a visitor of for_each_field).
class PayloadWriter {
 public:
  explicit PayloadWriter(std::string& out) : out_(out) {}

  void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void u32(std::uint32_t value) { little_endian(value, 4); }

  void operator()(std::string_view, std::uint64_t value) { little_endian(value, 8); }
  void operator()(std::string_view, std::int64_t value) { little_endian(static_cast<std::uint64_t>(value), 8); }
  void operator()(std::string_view, int value) { u32(static_cast<std::uint32_t>(value)); }
  void operator()(std::string_view, bool value) { u8(value ? 1 : 0); }
  template <typename Enum>
    requires std::is_enum_v<Enum>
  void operator()(std::string_view, Enum value) {
    u8(static_cast<std::uint8_t>(value));
  }
  void operator()(std::string_view, const std::string& value) {
    u32(static_cast<std::uint32_t>(value.size()));
    out_.append(value);
  }
  void operator()(std::string_view name, const Decimal& value) {
    (*this)(name, value.mantissa());
    u8(static_cast<std::uint8_t>(value.scale()));
  }
  void operator()(std::string_view name, const std::optional<Decimal>& value) {
    (*this)(name, value.has_value());
    if (value) (*this)(name, *value);
  }

 private:
  void little_endian(std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
  }
  std::string& out_;
};

// Reads what PayloadWriter wrote (a visitor of for_each_field over a fresh entry); any
// shortfall or bad value sets failed() and leaves zeros.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view bytes) : bytes_(bytes) {}

  bool failed() const { return failed_; }
  bool at_end() const { return position_ == bytes_.size(); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(little_endian(1)); }

  void operator()(std::string_view, std::uint64_t& value) { value = little_endian(8); }
  void operator()(std::string_view, std::int64_t& value) { value = static_cast<std::int64_t>(little_endian(8)); }
  void operator()(std::string_view, int& value) { value = static_cast<std::int32_t>(little_endian(4)); }
  void operator()(std::string_view, bool& value) {
    const std::uint8_t code = u8();
    failed_ = failed_ || code > 1;
    value = code == 1;
  }
  template <typename Enum>
    requires std::is_enum_v<Enum>
  void operator()(std::string_view, Enum& value) {
    const std::uint8_t code = u8();
    failed_ = failed_ || code >= enum_values<Enum>().size();
    value = failed_ ? Enum{} : static_cast<Enum>(code);
  }
  void operator()(std::string_view, std::string& value) {
    const auto size = static_cast<std::size_t>(little_endian(4));
    if (failed_ || size > bytes_.size() - position_) {
      failed_ = true;
      return;
    }
    value.assign(bytes_.substr(position_, size));
    position_ += size;
  }
  void operator()(std::string_view name, Decimal& value) {
    std::int64_t mantissa = 0;
    (*this)(name, mantissa);
    const std::uint8_t scale = u8();
    failed_ = failed_ || scale > Decimal::max_scale;
    value = failed_ ? Decimal{} : Decimal::from_mantissa(mantissa, scale);
  }
  void operator()(std::string_view name, std::optional<Decimal>& value) {
    bool present = false;
    (*this)(name, present);
    if (!present) return value.reset();
    (*this)(name, value.emplace());
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

std::uint8_t kind_of(const OrderEntry&) { return kOrderKind; }
std::uint8_t kind_of(const FillEntry&) { return kFillKind; }

template <typename Entry>
OutboxRecord read_entry(PayloadReader& reader) {
  Entry entry;
  for_each_field(entry, reader);
  return entry;
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
  writer.u8(kind_of(entry));
  for_each_field(entry, writer);
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
    read.record = read_entry<OrderEntry>(reader);
  } else if (kind == kFillKind) {
    read.record = read_entry<FillEntry>(reader);
  } else {
    return read;
  }
  if (reader.failed() || !reader.at_end()) return read;
  read.status = FrameStatus::ok;
  read.size = kOutboxFrameHeaderBytes + length;
  return read;
}

}  // namespace propbot::exec
