#include "core/control/worm_format.hpp"

#include "core/control/canonical_json.hpp"
#include "core/crypto/sha256.hpp"

namespace propbot::control {
namespace {

std::size_t data_index(WormSection section) {
  for (std::size_t i = 0; i < kWormDataSections.size(); ++i) {
    if (kWormDataSections[i] == section) return i;
  }
  return 0;  // callers only pass data sections (checked by WormChain::append)
}

bool is_data_section(WormSection section) {
  return section != WormSection::header && section != WormSection::trailer;
}

}  // namespace

std::int64_t& WormCounts::at(WormSection section) { return per_section[data_index(section)]; }

std::int64_t WormCounts::at(WormSection section) const { return per_section[data_index(section)]; }

std::int64_t WormCounts::total() const {
  std::int64_t sum = 0;
  for (std::int64_t count : per_section) sum += count;
  return sum;
}

nlohmann::json WormCounts::to_json() const {
  nlohmann::json object = nlohmann::json::object();
  for (WormSection section : kWormDataSections) object[std::string(to_string(section))] = at(section);
  return object;
}

std::string WormCounts::describe() const {
  std::string text;
  for (WormSection section : kWormDataSections) {
    if (!text.empty()) text += ", ";
    text += std::string(to_string(section)) + " " + std::to_string(at(section));
  }
  return text;
}

Result<std::string> worm_chain_hash(std::string_view prev_chain_hash, const nlohmann::json& record) {
  Result<std::string> canonical = canonical_json(record);
  if (!canonical) return canonical.error();
  return crypto::sha256_hex(std::string(prev_chain_hash) + *canonical);
}

nlohmann::json worm_trailer_record(const WormCounts& counts, std::string_view last_chain_hash) {
  return nlohmann::json{{"counts", counts.to_json()},
                        {"last_chain_hash", std::string(last_chain_hash)},
                        {"records", counts.total()}};
}

Result<WormLine> WormChain::header(const nlohmann::json& record) {
  if (started_) return make_error(Errc::invalid_argument, "WORM export: the header must be the first line");
  const auto format = record.find("format");
  if (!record.is_object() || format == record.end() || *format != kWormFormat) {
    return make_error(Errc::invalid_argument, "WORM export: the header record must name format " +
                                                  std::string(kWormFormat));
  }
  Result<WormLine> written = line(WormSection::header, record);
  if (written) started_ = true;
  return written;
}

Result<WormLine> WormChain::append(WormSection section, const nlohmann::json& record) {
  if (!started_ || finished_) {
    return make_error(Errc::invalid_argument, "WORM export: a record outside header .. trailer");
  }
  if (!is_data_section(section)) {
    return make_error(Errc::invalid_argument,
                      "WORM export: '" + std::string(to_string(section)) + "' is not a data section");
  }
  if (is_data_section(current_) && data_index(section) < data_index(current_)) {
    return make_error(Errc::invalid_argument, "WORM export: section '" + std::string(to_string(section)) +
                                                  "' after '" + std::string(to_string(current_)) + "'");
  }
  if (!record.is_object()) return make_error(Errc::invalid_argument, "WORM export: a record must be an object");
  Result<WormLine> written = line(section, record);
  if (!written) return written;
  current_ = section;
  ++counts_.at(section);
  return written;
}

Result<WormLine> WormChain::trailer() {
  if (!started_ || finished_) return make_error(Errc::invalid_argument, "WORM export: trailer without header");
  Result<WormLine> written = line(WormSection::trailer, worm_trailer_record(counts_, last_chain_hash_));
  if (written) finished_ = true;
  return written;
}

Result<WormLine> WormChain::line(WormSection section, const nlohmann::json& record) {
  Result<std::string> hash = worm_chain_hash(last_chain_hash_, record);
  if (!hash) {
    return make_error(Errc::invalid_argument,
                      "WORM export: a " + std::string(to_string(section)) + " record: " + hash.error().message);
  }
  const nlohmann::json object = {{"chain_hash", *hash}, {"record", record}, {"section", to_string(section)}};
  Result<std::string> text = canonical_json(object);
  if (!text) return text.error();
  last_chain_hash_ = *hash;
  ++lines_;
  return WormLine{std::move(*text), std::move(*hash), lines_};
}

}  // namespace propbot::control
