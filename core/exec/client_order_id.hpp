// ClientOrderId: the one client-order-id scheme for every venue (DESIGN-NOTES "Client
// order ids"). The id is derived, never random: it encodes the fencing epoch of the
// leader that sent it, the intent, the leg and the attempt, so after a crash the
// executor can ask a venue "do you know this id?" and get a definite answer, and a
// standby with a newer epoch can never produce an id an old leader already used.
//
// Format: "pb" + epoch (6 base-36 digits) + intent id (13) + leg (1) + attempt (2) — 24
// lowercase alphanumerics, inside the strictest venue's rule (OKX clOrdId: 1–32
// alphanumerics; Binance newClientOrderId: ^[.A-Z:/a-z0-9_-]{1,36}$). Fixed widths, so
// ids of one intent sort by attempt and parse back without separators.
//
// Errors are values naming the field and its range; nothing here throws. Pure; any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::exec {

// Which order of an intent: a single order, or leg A / leg B of a hedged pair.
enum class Leg { single, a, b };
inline constexpr std::array<Leg, 3> kAllLegs = {Leg::single, Leg::a, Leg::b};
std::string_view to_string(Leg leg);
std::optional<Leg> parse_leg(std::string_view text);

struct ClientOrderIdParts {
  std::uint64_t fencing_epoch = 0;  // < 36^6 (2,176,782,336)
  std::uint64_t intent_id = 0;      // any 64-bit value
  Leg leg = Leg::single;
  int attempt = 0;                  // 0 … 1295 (36^2 − 1)
  auto operator<=>(const ClientOrderIdParts&) const = default;
};

inline constexpr std::size_t kClientOrderIdLength = 24;
inline constexpr std::uint64_t kMaxFencingEpoch = 2'176'782'335;  // 36^6 − 1
inline constexpr int kMaxAttempt = 1295;                           // 36^2 − 1

Result<std::string> make_client_order_id(const ClientOrderIdParts& parts);
// The parts of an id made by make_client_order_id; invalid_argument for anything else
// (another client's id, a venue-generated id, a truncated one), naming what is wrong.
Result<ClientOrderIdParts> parse_client_order_id(std::string_view id);

}  // namespace propbot::exec
