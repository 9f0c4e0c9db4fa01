// The WORM export format `propbot-worm/1` (SPEC S-5.4): audit, incidents, orders, fills
// and ledger entries in one JSON Lines file whose lines form one hash chain, so that an
// auditor can verify the file offline — with `propbot audit verify --file` or with any
// SHA-256 tool (docs/WORM_EXPORT.md writes the rule out).
//
// Every line is the canonical JSON (canonical_json.hpp) of
//   {"chain_hash": H, "record": {...}, "section": S}
// and the lines come in this order:
//   1     section "header"   record {"format": "propbot-worm/1", "created_at", ...}
//   ...   section "audit", then "incidents", "orders", "fills", "ledger_entries"
//         (each section may be empty; a section never reappears after the next began)
//   last  section "trailer"  record {"counts": {section: n, ...}, "records": total,
//                                     "last_chain_hash": the chain_hash of the line before}
// The chain:
//   chain_hash(line 1) = hex SHA-256( 64 '0' characters || canonical_json(record 1) )
//   chain_hash(line n) = hex SHA-256( chain_hash(line n-1) || canonical_json(record n) )
// (`||` is byte concatenation of the 64-character lowercase hex text and the JSON text).
// The section name is not hashed; it is pinned by the fixed section order and the
// trailer's counts, which are hashed. The trailer line's chain_hash is the hash of the
// whole export: keep it somewhere else and the file cannot be rewritten unnoticed.
//
// WormChain builds the lines and keeps the chain; it enforces the order above (a record
// out of order is a bug of the caller: invalid_argument). Pure computation, no I/O.
// Threads: one WormChain per export, used on one thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/common/stable_name.hpp"

namespace propbot::control {

inline constexpr std::string_view kWormFormat = "propbot-worm/1";
// The prefix every version of the format shares (how a verifier recognises the header).
inline constexpr std::string_view kWormFormatFamily = "propbot-worm/";
// prev chain hash of the header line.
inline constexpr std::string_view kWormGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
// The verifier refuses a line longer than this (an audit entry or a row is a few KB).
inline constexpr std::size_t kMaxWormLineBytes = 4u << 20;

// In file order. The names are stable: they are the "section" of every line, the keys
// of the trailer's counts and the CSV file names.
enum class WormSection { header, audit, incidents, orders, fills, ledger_entries, trailer };

inline constexpr std::array<WormSection, 7> kAllWormSections = {
    WormSection::header, WormSection::audit,          WormSection::incidents, WormSection::orders,
    WormSection::fills,  WormSection::ledger_entries, WormSection::trailer};
// The sections that hold records (between header and trailer), in file order.
inline constexpr std::array<WormSection, 5> kWormDataSections = {
    WormSection::audit, WormSection::incidents, WormSection::orders, WormSection::fills,
    WormSection::ledger_entries};

constexpr std::string_view to_string(WormSection section) {
  switch (section) {
    case WormSection::header: return "header";
    case WormSection::audit: return "audit";
    case WormSection::incidents: return "incidents";
    case WormSection::orders: return "orders";
    case WormSection::fills: return "fills";
    case WormSection::ledger_entries: return "ledger_entries";
    case WormSection::trailer: return "trailer";
  }
  return "header";
}

// Records per data section.
struct WormCounts {
  std::array<std::int64_t, kWormDataSections.size()> per_section{};

  std::int64_t& at(WormSection section);
  std::int64_t at(WormSection section) const;
  std::int64_t total() const;
  // {"audit": A, "incidents": I, ...}
  nlohmann::json to_json() const;
  // "audit A, incidents I, orders O, fills F, ledger_entries L"
  std::string describe() const;
};

// hex SHA-256(prev_chain_hash || canonical_json(record)). Errors: invalid_argument when
// `record` has no canonical form (a float, invalid UTF-8), naming the JSON pointer.
Result<std::string> worm_chain_hash(std::string_view prev_chain_hash, const nlohmann::json& record);

// The trailer's record for `counts` after the line whose chain_hash is `last_chain_hash`:
// {"counts": counts.to_json(), "last_chain_hash": ..., "records": counts.total()}.
nlohmann::json worm_trailer_record(const WormCounts& counts, std::string_view last_chain_hash);

struct WormLine {
  std::string text;        // the canonical line, without the newline
  std::string chain_hash;  // its chain_hash
  std::int64_t number = 0; // 1-based line number in the file
};

class WormChain {
 public:
  // The header line; must come first. `record` must hold "format" (kWormFormat).
  Result<WormLine> header(const nlohmann::json& record);
  // A data record of `section` (one of kWormDataSections, not before the current one).
  Result<WormLine> append(WormSection section, const nlohmann::json& record);
  // The trailer line (counts, total, last chain hash); nothing may follow it.
  Result<WormLine> trailer();

  const WormCounts& counts() const { return counts_; }
  const std::string& last_chain_hash() const { return last_chain_hash_; }

 private:
  Result<WormLine> line(WormSection section, const nlohmann::json& record);

  WormSection current_ = WormSection::header;
  bool started_ = false;
  bool finished_ = false;
  std::int64_t lines_ = 0;
  WormCounts counts_;
  std::string last_chain_hash_ = std::string(kWormGenesisHash);
};

}  // namespace propbot::control
