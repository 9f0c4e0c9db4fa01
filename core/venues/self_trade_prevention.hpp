// Self-trade prevention (STP) modes, per venue kind, in the venues' own words: what a
// `venues[].stp_mode` may say (core/config checks it), what the adapters send with every
// order (Binance `selfTradePreventionMode`, OKX `stpMode`) and what the simulators accept.
// One list per venue, kept here only, so the config, the adapters and the simulators
// cannot disagree.
//
//   binance  EXPIRE_TAKER | EXPIRE_MAKER | EXPIRE_BOTH   (default EXPIRE_MAKER; NONE is
//            refused by the venue since 2024-12-10, DESIGN-NOTES, so it is not a choice)
//   okx      cancel_maker | cancel_taker | cancel_both   (default cancel_maker; the venue
//            refuses cancel_both on FOK orders)
//
// Header only, no dependencies beyond the standard library (core/config includes it).
// Pure constexpr functions, safe from any thread.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace propbot::venues {

inline constexpr std::array<std::string_view, 3> kBinanceStpModes = {"EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"};
inline constexpr std::array<std::string_view, 3> kOkxStpModes = {"cancel_maker", "cancel_taker", "cancel_both"};
inline constexpr std::string_view kBinanceDefaultStpMode = "EXPIRE_MAKER";
inline constexpr std::string_view kOkxDefaultStpMode = "cancel_maker";

// The modes a venue kind takes ("binance" | "okx"); empty for any other kind.
constexpr std::span<const std::string_view> stp_modes_of(std::string_view kind) {
  if (kind == "binance") return kBinanceStpModes;
  if (kind == "okx") return kOkxStpModes;
  return {};
}

// The mode sent when the configuration names none; empty for kinds without STP.
constexpr std::string_view default_stp_mode(std::string_view kind) {
  if (kind == "binance") return kBinanceDefaultStpMode;
  if (kind == "okx") return kOkxDefaultStpMode;
  return {};
}

constexpr bool is_stp_mode(std::string_view kind, std::string_view mode) {
  for (std::string_view known : stp_modes_of(kind)) {
    if (known == mode) return true;
  }
  return false;
}

}  // namespace propbot::venues
