// Logging: structured, redacted log lines over spdlog. A component logs an event name
// plus typed fields — `logger.info("order_submitted", {{"client_order_id", id},
// {"price", price}})` — and gets one line per event, either
//   2026-11-23T15:21:25.123Z info propbot order_submitted client_order_id=abc price=65000.10
// or, with json = true, one JSON object per line:
//   {"ts":"2026-11-23T15:21:25.123Z","level":"info","logger":"propbot","event":"order_submitted",...}
// Plain spdlog calls on the same logger also come out as valid lines in either mode.
//
// Guarantees (the redaction contract, see redaction.hpp):
//  - a field whose name is sensitive (is_sensitive_name) is written as ***, whatever
//    its value;
//  - every sink built here is wrapped in a redacting sink that runs redact() over the
//    message text before the inner sink sees it, so a secret pasted into free text
//    (an error body, a URL with signature=…, an Authorization header) is scrubbed even
//    when it bypasses Logger and goes through spdlog directly.
//  Nothing here registers loggers in spdlog's global registry.
//
// Threads: loggers and sinks built here are thread-safe (spdlog *_mt sinks); Logger is
// a cheap handle (one shared_ptr) to copy into each component. Logging allocates and
// may block on I/O (synchronous sinks): log events, not every tick.
//
// Uses: redaction, json_util (escaping), clock (timestamps format), decimal (fields).
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot {

enum class LogLevel { trace, debug, info, warn, error };

std::string_view to_string(LogLevel level);
// Accepts trace|debug|info|warn|error (case-insensitive). Errors: invalid_argument
// naming the text and the allowed values.
Result<LogLevel> parse_log_level(std::string_view text);
spdlog::level::level_enum to_spdlog(LogLevel level);

enum class LogFormat { text, json };

// One key/value of a structured event. Holds string values by view: build Fields in
// the log call itself (the usual `{{"k", v}}` form), not ahead of time.
struct Field {
  using Value = std::variant<std::string_view, std::string, std::int64_t, std::uint64_t, double, bool>;

  template <typename T>
    requires std::same_as<std::remove_cvref_t<T>, bool> || std::integral<std::remove_cvref_t<T>> ||
             std::floating_point<std::remove_cvref_t<T>> || std::convertible_to<T, std::string_view> ||
             std::same_as<std::remove_cvref_t<T>, Decimal>
  Field(std::string_view field_name, T&& field_value) : name(field_name), value(to_value(std::forward<T>(field_value))) {}

  std::string_view name;
  Value value;

 private:
  template <typename T>
  static Value to_value(T&& v) {
    using Plain = std::remove_cvref_t<T>;
    if constexpr (std::same_as<Plain, bool>) {
      return Value(std::in_place_type<bool>, v);
    } else if constexpr (std::same_as<Plain, Decimal>) {
      return Value(std::in_place_type<std::string>, v.to_string());
    } else if constexpr (std::same_as<Plain, std::string> && !std::is_lvalue_reference_v<T>) {
      return Value(std::in_place_type<std::string>, std::move(v));  // a temporary: own it
    } else if constexpr (std::same_as<Plain, char>) {
      return Value(std::in_place_type<std::string>, std::string(1, v));
    } else if constexpr (std::signed_integral<Plain>) {
      return Value(std::in_place_type<std::int64_t>, v);
    } else if constexpr (std::unsigned_integral<Plain>) {
      return Value(std::in_place_type<std::uint64_t>, v);
    } else if constexpr (std::floating_point<Plain>) {
      return Value(std::in_place_type<double>, v);
    } else {
      return Value(std::in_place_type<std::string_view>, std::string_view(v));
    }
  }
};

// Renders one event (without timestamp/level) as a text payload
// `event k=v k2="v 2"` or, for json, as the members `"event":"…","k":"v"` (no braces).
// Sensitive fields are already ***. Exposed for tests and for code that embeds events.
std::string render_event(LogFormat format, std::string_view event, std::initializer_list<Field> fields);

// An spdlog sink that forwards every message to `inner` after redact(). The wrapper
// holds no lock of its own; `inner` must be thread-safe if the logger is shared.
spdlog::sink_ptr make_redacting_sink(spdlog::sink_ptr inner);

struct LogOptions {
  std::string level = "info";         // trace|debug|info|warn|error
  std::optional<std::string> file;    // appended to; directory must exist
  bool json = false;                  // JSON lines instead of key=value text
  bool to_stderr = true;
  std::string name = "propbot";       // the logger name printed on each line
  std::vector<spdlog::sink_ptr> extra_sinks;  // e.g. a UI log tail; also redacted
};

// Builds a logger (not registered globally) whose sinks are all wrapped in the
// redacting sink and formatted as text or JSON lines; flushes on warn and above.
// Startup-only: throws std::invalid_argument for a bad level (message from
// parse_log_level) and spdlog::spdlog_ex when the file cannot be opened.
std::shared_ptr<spdlog::logger> make_logger(const LogOptions& options);

// Structured-event front end over an spdlog logger. `format` must match how the
// logger's sinks are formatted (make_logger: options.json).
class Logger {
 public:
  explicit Logger(std::shared_ptr<spdlog::logger> logger, LogFormat format = LogFormat::text);
  // make_logger(options) with the matching format.
  static Logger from_options(const LogOptions& options);

  bool enabled(LogLevel level) const;
  // Fields are rendered only when the level is enabled.
  void log(LogLevel level, std::string_view event, std::initializer_list<Field> fields = {}) const;
  void trace(std::string_view event, std::initializer_list<Field> fields = {}) const { log(LogLevel::trace, event, fields); }
  void debug(std::string_view event, std::initializer_list<Field> fields = {}) const { log(LogLevel::debug, event, fields); }
  void info(std::string_view event, std::initializer_list<Field> fields = {}) const { log(LogLevel::info, event, fields); }
  void warn(std::string_view event, std::initializer_list<Field> fields = {}) const { log(LogLevel::warn, event, fields); }
  void error(std::string_view event, std::initializer_list<Field> fields = {}) const { log(LogLevel::error, event, fields); }
  void flush() const;

  const std::shared_ptr<spdlog::logger>& spdlog_logger() const { return logger_; }
  LogFormat format() const { return format_; }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  LogFormat format_;
};

}  // namespace propbot
