// Text limits: the one table of the longest text each free-text field of the control
// plane accepts (issue 10). The HTTP routes (core/api/routes/control_routes.cpp) refuse an
// over-long field with 400 bad_request and ControlPlane refuses it again with
// Refusal::invalid, both with text_too_long()'s message, so a caller that is not HTTP
// is bounded too:
//   field 'summary': at most 10000 bytes (got 10241)
//
// Limits count bytes of the UTF-8 text — what the store and the log lines pay for —
// not characters (a Cyrillic letter is two bytes). Why each number:
//   reason                 1000   a sentence or a short paragraph; it is copied into the
//                                 signed control state, the audit log, events and one log
//                                 line each time (a 900 KB HOLD reason used to be logged whole)
//   component               200   the incident store's own limit (kMaxIncidentFieldLength):
//                                 a longer one was a store error answered 500
//   summary,              10000   the incident store's limit (kMaxIncidentTextLength), same
//   postmortem_root_cause         reason (10 KB is several pages of explanation)
//   severity                  8   "P0" | "P1" | "P2"
//   kind                     64   the longest approval kind is 22 bytes
//   payload                8192   canonical JSON of an approval's parameters (a limit
//                                 change, a config version and the limits it loosens)
//   name                    128   the secrets store's name limit
//   value                  8192   a venue key or secret; a 4096-bit RSA key in PEM is ~3.3 KB
//   token, totp             256   the approve token and the second factor (a TOTP is 6
//                                 digits; a static second factor is a long token)
//   actor                    64   the longest API token name
//   action                   16   "request" | "confirm"
// Every limit stays at or below what the store accepts (static_asserts in
// control_plane.cpp), so no over-long text ever reaches the store and turns into a 500.
//
// Header-only, pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace propbot::control {

struct TextLimit {
  std::string_view field;  // the field's name as the API spells it
  std::size_t max_bytes;
};

inline constexpr TextLimit kReasonLimit{"reason", 1000};
inline constexpr TextLimit kComponentLimit{"component", 200};
inline constexpr TextLimit kSummaryLimit{"summary", 10000};
inline constexpr TextLimit kRootCauseLimit{"postmortem_root_cause", 10000};
inline constexpr TextLimit kSeverityLimit{"severity", 8};
inline constexpr TextLimit kIncidentCodeLimit{"code", 64};
inline constexpr TextLimit kKindLimit{"kind", 64};
inline constexpr TextLimit kPayloadLimit{"payload", 8192};
inline constexpr TextLimit kSecretNameLimit{"name", 128};
inline constexpr TextLimit kSecretValueLimit{"value", 8192};
inline constexpr TextLimit kApproveTokenLimit{"token", 256};
inline constexpr TextLimit kSecondFactorLimit{"totp", 256};
inline constexpr TextLimit kActorLimit{"actor", 64};
inline constexpr TextLimit kActionLimit{"action", 16};

// "field 'summary': at most 10000 bytes (got 10241)" when `value` is longer than the
// limit, nullopt when it fits.
inline std::optional<std::string> text_too_long(TextLimit limit, std::string_view value) {
  if (value.size() <= limit.max_bytes) return std::nullopt;
  return "field '" + std::string(limit.field) + "': at most " + std::to_string(limit.max_bytes) + " bytes (got " +
         std::to_string(value.size()) + ")";
}

// `text` cut to at most `max_bytes` bytes, never inside a UTF-8 sequence, ending in
// "…" when anything was cut. For automatic safety events, which must act whatever
// their text (a refusal there would skip a HOLD).
inline std::string clip_text(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  if (max_bytes < kEllipsis.size()) return std::string(text.substr(0, 0));
  std::size_t cut = max_bytes - kEllipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a continuation byte
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

}  // namespace propbot::control
