#include "core/common/logging.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <utility>

#include <spdlog/formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "core/common/clock.hpp"
#include "core/common/json_util.hpp"
#include "core/common/redaction.hpp"

namespace propbot {
namespace {

// Marks a payload produced by Logger in JSON mode: the JSON formatter splices such a
// payload in as members instead of quoting it as free text. An ASCII record separator
// never occurs in the free text components log.
constexpr char kJsonMembersMarker = '\x1e';

constexpr std::array<std::string_view, 5> kLevelNames = {"trace", "debug", "info", "warn", "error"};

std::string_view spdlog_level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

std::string_view view(spdlog::string_view_t text) { return {text.data(), text.size()}; }
std::string_view payload_of(const spdlog::details::log_msg& msg) { return view(msg.payload); }

std::string timestamp_of(const spdlog::details::log_msg& msg) {
  return format_iso8601_ms(std::chrono::time_point_cast<Nanos>(msg.time));
}

void append(spdlog::memory_buf_t& dest, std::string_view text) { dest.append(text.data(), text.data() + text.size()); }

// `2026-11-23T15:21:25.123Z info propbot <payload>`
class TextLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append(dest, timestamp_of(msg));
    dest.push_back(' ');
    append(dest, spdlog_level_name(msg.level));
    dest.push_back(' ');
    append(dest, view(msg.logger_name));
    dest.push_back(' ');
    append(dest, payload_of(msg));
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextLineFormatter>(); }
};

// One JSON object per line whatever the source: Logger events become members, plain
// spdlog messages become "msg".
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line = "{\"ts\":\"" + timestamp_of(msg) + "\",\"level\":\"";
    line.append(spdlog_level_name(msg.level));
    line.append("\",\"logger\":");
    append_json_string(line, view(msg.logger_name));
    line.push_back(',');
    const std::string_view payload = payload_of(msg);
    if (!payload.empty() && payload.front() == kJsonMembersMarker) {
      line.append(payload.substr(1));
    } else {
      line.append("\"msg\":");
      append_json_string(line, payload);
    }
    line.append("}\n");
    append(dest, line);
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

class RedactingSink final : public spdlog::sinks::sink {
 public:
  explicit RedactingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    if (!inner_->should_log(msg.level)) {
      return;
    }
    const std::string scrubbed = redact(payload_of(msg));
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(scrubbed.data(), scrubbed.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
};

bool is_bare_text(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '=' || c == '\\') {
      return false;
    }
  }
  return true;
}

std::string format_double(double value) {
  if (std::isnan(value)) {
    return "nan";
  }
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("nan");
}

template <typename Integer>
std::string format_integer(Integer value) {
  std::array<char, 24> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  (void)ec;  // 24 bytes hold any 64-bit integer
  return std::string(buffer.data(), end);
}

void append_text_value(std::string& out, std::string_view text) {
  if (is_bare_text(text)) {
    out.append(text);
    return;
  }
  // Same escaping as JSON strings: one rule for readers and parsers of both formats.
  append_json_string(out, text);
}

void append_field(std::string& out, LogFormat format, const Field& field) {
  const bool json = format == LogFormat::json;
  if (json) {
    out.push_back(',');
    append_json_string(out, field.name);
    out.push_back(':');
  } else {
    out.push_back(' ');
    out.append(field.name);
    out.push_back('=');
  }
  if (is_sensitive_name(field.name)) {
    out.append(json ? "\"***\"" : "***");
    return;
  }
  std::visit(
      [&](const auto& value) {
        using Value = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<Value, std::string_view> || std::is_same_v<Value, std::string>) {
          if (json) {
            append_json_string(out, value);
          } else {
            append_text_value(out, value);
          }
        } else if constexpr (std::is_same_v<Value, bool>) {
          out.append(value ? "true" : "false");
        } else if constexpr (std::is_same_v<Value, double>) {
          if (json && !std::isfinite(value)) {
            out.append("null");
          } else {
            out.append(format_double(value));
          }
        } else {
          out.append(format_integer(value));
        }
      },
      field.value);
}

}  // namespace

std::string_view to_string(LogLevel level) { return kLevelNames[static_cast<std::size_t>(level)]; }

Result<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    const std::string_view name = kLevelNames[i];
    bool same = name.size() == text.size();
    for (std::size_t c = 0; same && c < name.size(); ++c) {
      same = name[c] == static_cast<char>(text[c] | 0x20);
    }
    if (same) {
      return static_cast<LogLevel>(i);
    }
  }
  return make_error(Errc::invalid_argument,
                    "unknown log level \"" + std::string(text) + "\": expected one of trace|debug|info|warn|error");
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string render_event(LogFormat format, std::string_view event, std::initializer_list<Field> fields) {
  std::string out;
  if (format == LogFormat::json) {
    out.append("\"event\":");
    append_json_string(out, event);
  } else {
    out.append(event);
  }
  for (const Field& field : fields) {
    append_field(out, format, field);
  }
  return out;
}

spdlog::sink_ptr make_redacting_sink(spdlog::sink_ptr inner) {
  if (!inner) {
    throw std::invalid_argument("make_redacting_sink: inner sink is null");
  }
  return std::make_shared<RedactingSink>(std::move(inner));
}

std::shared_ptr<spdlog::logger> make_logger(const LogOptions& options) {
  const Result<LogLevel> level = parse_log_level(options.level);
  if (!level) {
    throw std::invalid_argument(level.error().message);
  }
  std::vector<spdlog::sink_ptr> inner_sinks;
  if (options.to_stderr) {
    inner_sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  if (options.file) {
    inner_sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(*options.file, /*truncate=*/false));
  }
  inner_sinks.insert(inner_sinks.end(), options.extra_sinks.begin(), options.extra_sinks.end());

  std::vector<spdlog::sink_ptr> sinks;
  for (auto& inner : inner_sinks) {
    if (options.json) {
      inner->set_formatter(std::make_unique<JsonLineFormatter>());
    } else {
      inner->set_formatter(std::make_unique<TextLineFormatter>());
    }
    sinks.push_back(make_redacting_sink(inner));
  }
  auto logger = std::make_shared<spdlog::logger>(options.name, sinks.begin(), sinks.end());
  logger->set_level(to_spdlog(*level));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

Logger::Logger(std::shared_ptr<spdlog::logger> logger, LogFormat format) : logger_(std::move(logger)), format_(format) {
  if (!logger_) {
    throw std::invalid_argument("Logger: spdlog logger is null");
  }
}

Logger Logger::from_options(const LogOptions& options) {
  return Logger(make_logger(options), options.json ? LogFormat::json : LogFormat::text);
}

bool Logger::enabled(LogLevel level) const { return logger_->should_log(to_spdlog(level)); }

void Logger::log(LogLevel level, std::string_view event, std::initializer_list<Field> fields) const {
  if (!enabled(level)) {
    return;
  }
  std::string payload;
  if (format_ == LogFormat::json) {
    payload.push_back(kJsonMembersMarker);
  }
  payload.append(render_event(format_, event, fields));
  logger_->log(to_spdlog(level), spdlog::string_view_t(payload.data(), payload.size()));
}

void Logger::flush() const { logger_->flush(); }

}  // namespace propbot
