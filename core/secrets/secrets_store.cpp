#include "core/secrets/secrets_store.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "core/crypto/constant_time.hpp"
#include "core/crypto/encoding.hpp"
#include "core/crypto/sha256.hpp"
#include "core/secrets/private_file.hpp"
#include "core/secrets/sealed_file.hpp"
#include "core/secrets/store_key.hpp"

namespace propbot::secrets {
namespace {

constexpr int kPayloadFormat = 1;
constexpr std::size_t kMaxSecretName = 128;
constexpr std::size_t kMaxTokenName = 64;

bool valid_name(std::string_view name, std::size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

std::string_view as_text(const crypto::Digest256& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string digest_hex(const crypto::Digest256& digest) { return crypto::hex_lower(digest); }

std::optional<crypto::Digest256> parse_digest_hex(std::string_view hex) {
  if (hex.size() != 2 * crypto::kSha256Size) return std::nullopt;
  crypto::Digest256 digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    unsigned value = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      unsigned nibble = 0;
      if (c >= '0' && c <= '9') nibble = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') nibble = static_cast<unsigned>(c - 'a' + 10);
      else return std::nullopt;
      value = value << 4 | nibble;
    }
    digest[i] = static_cast<std::uint8_t>(value);
  }
  return digest;
}

// Overwrites every string held in a JSON document (the payload's values, base64 or
// not) before the document is freed.
void wipe_strings(nlohmann::json& value) {
  if (value.is_string()) {
    auto& text = value.get_ref<std::string&>();
    OPENSSL_cleanse(text.data(), text.size());
  } else if (value.is_structured()) {
    for (auto& child : value) wipe_strings(child);
  }
}

// Owns a parsed payload and wipes its strings on every way out of load().
struct WipedJson {
  nlohmann::json value;
  ~WipedJson() { wipe_strings(value); }
};

std::string store_name(const std::string& path) { return "secrets store '" + path + "'"; }

Error bad_payload(const std::string& path, std::string_view what) {
  return make_error(Errc::parse_error, store_name(path) + " decrypted, but its contents are invalid (" +
                                           std::string(what) + "): restore it from a backup");
}

const nlohmann::json* object_field(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_object()) return nullptr;
  return &*found;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

}  // namespace

std::string_view to_string(StoreProfile profile) {
  return profile == StoreProfile::paper ? "paper" : "standard";
}

SecretsStore::SecretsStore(std::string path, Secret key, const Clock& clock)
    : path_(std::move(path)), key_(std::move(key)), clock_(&clock) {}

SecretsStore::SecretsStore(SecretsStore&&) noexcept = default;
SecretsStore& SecretsStore::operator=(SecretsStore&&) noexcept = default;
SecretsStore::~SecretsStore() = default;

std::string SecretsStore::now() const { return format_iso8601_ms(clock_->utc()); }

Result<SecretsStore> SecretsStore::create(std::string path, Secret key, const Clock& clock, StoreProfile profile) {
  if (key.size() != kStoreKeySize) return make_error(Errc::invalid_argument, "store key must be 32 bytes");
  SecretsStore store(std::move(path), std::move(key), clock);
  store.profile_ = profile;
  store.created_at_ = store.now();
  const Secret payload = store.serialize();
  Result<std::string> sealed = seal(store.key_, payload.reveal());
  if (!sealed) return sealed.error();
  if (Status created = create_private_file(store.path_, *sealed); !created) {
    if (created.error().code == Errc::already_exists) {
      return make_error(Errc::already_exists, store_name(store.path_) +
                                                  " already exists: refusing to overwrite it (open it, rotate its "
                                                  "key, or remove it first)");
    }
    return created.error();
  }
  return store;
}

Result<SecretsStore> SecretsStore::open(std::string path, Secret key, const Clock& clock) {
  ReadOptions options;
  options.what = "secrets store";
  const std::string missing_fix = "create it with `propbot secrets init --store " + path + " --key-file KEYFILE`";
  options.missing_fix = missing_fix;
  Result<std::string> file = read_private_file(path, options);
  if (!file) return file.error();
  Result<Secret> payload = unseal(key, *file, path);
  if (!payload) return payload.error();
  SecretsStore store(std::move(path), std::move(key), clock);
  if (Status loaded = store.load(payload->reveal()); !loaded) return loaded.error();
  return store;
}

Status SecretsStore::load(std::string_view payload) {
  WipedJson document{nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false)};
  const nlohmann::json& root = document.value;
  if (root.is_discarded() || !root.is_object()) return bad_payload(path_, "not a JSON object");
  const auto format = root.find("format");
  if (format == root.end() || !format->is_number_integer() || format->get<int>() != kPayloadFormat) {
    return bad_payload(path_, "payload format is not 1");
  }
  const std::string profile = string_field(root, "profile");
  if (profile == "paper") {
    profile_ = StoreProfile::paper;
  } else if (profile == "standard") {
    profile_ = StoreProfile::standard;
  } else {
    return bad_payload(path_, "profile must be standard or paper");
  }
  created_at_ = string_field(root, "created_at");
  key_rotated_at_ = string_field(root, "key_rotated_at");

  const nlohmann::json* secrets = object_field(root, "secrets");
  const nlohmann::json* tokens = object_field(root, "tokens");
  if (secrets == nullptr || tokens == nullptr) return bad_payload(path_, "secrets and tokens must be objects");
  for (const auto& [name, entry] : secrets->items()) {
    const auto value = entry.is_object() ? entry.find("value_b64") : entry.end();
    if (value == entry.end() || !value->is_string()) return bad_payload(path_, "secret " + name + " has no value");
    Result<std::string> decoded = crypto::base64_decode(value->get_ref<const std::string&>());
    if (!decoded) return bad_payload(path_, "secret " + name + " is not base64");
    secrets_[name] = SecretEntry{Secret::take(*decoded), string_field(entry, "updated_at")};
  }
  for (const auto& [name, entry] : tokens->items()) {
    if (!entry.is_object()) return bad_payload(path_, "token " + name + " is not an object");
    const std::optional<Role> role = parse_role(string_field(entry, "role"));
    const std::optional<crypto::Digest256> hash = parse_digest_hex(string_field(entry, "sha256"));
    if (!role || !hash) return bad_payload(path_, "token " + name + " needs a role and a sha256");
    tokens_[name] = TokenEntry{*role, *hash, string_field(entry, "created_at")};
  }
  return {};
}

Secret SecretsStore::serialize() const {
  nlohmann::json root = nlohmann::json::object();
  root["format"] = kPayloadFormat;
  root["profile"] = std::string(to_string(profile_));
  root["created_at"] = created_at_;
  if (!key_rotated_at_.empty()) root["key_rotated_at"] = key_rotated_at_;
  nlohmann::json secrets = nlohmann::json::object();
  for (const auto& [name, entry] : secrets_) {
    secrets[name] = {{"value_b64", crypto::base64_encode(entry.value.reveal())}, {"updated_at", entry.updated_at}};
  }
  nlohmann::json tokens = nlohmann::json::object();
  for (const auto& [name, entry] : tokens_) {
    tokens[name] = {{"role", std::string(to_string(entry.role))},
                    {"sha256", digest_hex(entry.hash)},
                    {"created_at", entry.created_at}};
  }
  root["secrets"] = std::move(secrets);
  root["tokens"] = std::move(tokens);
  std::string text = root.dump();
  wipe_strings(root);
  return Secret::take(text);
}

Status SecretsStore::write() const {
  const Secret payload = serialize();
  Result<std::string> sealed = seal(key_, payload.reveal());
  if (!sealed) return sealed.error();
  return write_file_atomically(path_, *sealed);
}

Status SecretsStore::set(std::string_view name, Secret value) {
  if (!valid_name(name, kMaxSecretName)) {
    return make_error(Errc::invalid_argument, "secret name '" + std::string(name) +
                                                  "': use 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit");
  }
  if (value.empty()) {
    return make_error(Errc::invalid_argument, "secret '" + std::string(name) + "': the value is empty");
  }
  std::optional<SecretEntry> previous;
  if (auto found = secrets_.find(name); found != secrets_.end()) previous = std::move(found->second);
  secrets_[std::string(name)] = SecretEntry{std::move(value), now()};
  Status written = write();
  if (!written) {
    if (previous) {
      secrets_[std::string(name)] = std::move(*previous);
    } else {
      secrets_.erase(std::string(name));
    }
  }
  return written;
}

Result<Secret> SecretsStore::get(std::string_view name, std::string_view actor) const {
  const auto found = secrets_.find(name);
  if (observer_) observer_(SecretAccess{name, actor, found != secrets_.end()});
  if (found == secrets_.end()) {
    return make_error(Errc::not_found, "no secret named '" + std::string(name) + "' in " + store_name(path_) +
                                           " (add it with `propbot secrets set`)");
  }
  return found->second.value.clone();
}

bool SecretsStore::contains(std::string_view name) const { return secrets_.find(name) != secrets_.end(); }

std::vector<SecretInfo> SecretsStore::names() const {
  std::vector<SecretInfo> out;
  out.reserve(secrets_.size());
  for (const auto& [name, entry] : secrets_) out.push_back(SecretInfo{name, entry.updated_at});
  return out;
}

Status SecretsStore::add_token(std::string_view name, Role role, const Secret& token) {
  if (!valid_name(name, kMaxTokenName)) {
    return make_error(Errc::invalid_argument, "token name '" + std::string(name) +
                                                  "': use 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
  }
  const std::string_view value = token.reveal();
  if (value.size() < kMinTokenLength) {
    return make_error(Errc::invalid_argument, "token for '" + std::string(name) + "' is " +
                                                  std::to_string(value.size()) + " characters; use at least " +
                                                  std::to_string(kMinTokenLength) + " (or let propbot generate one)");
  }
  if (std::any_of(value.begin(), value.end(), [](char c) { return c <= ' ' || c == 0x7F; })) {
    return make_error(Errc::invalid_argument,
                      "token for '" + std::string(name) + "' contains whitespace or control characters");
  }
  if (const std::optional<TokenIdentity> holder = authenticate(value); holder && holder->name != name) {
    return make_error(Errc::already_exists,
                      "that token is already issued to '" + holder->name + "': every token must be unique");
  }
  std::optional<TokenEntry> previous;
  if (auto found = tokens_.find(name); found != tokens_.end()) previous = found->second;
  tokens_[std::string(name)] = TokenEntry{role, crypto::sha256(value), now()};
  Status written = write();
  if (!written) {
    if (previous) {
      tokens_[std::string(name)] = *previous;
    } else {
      tokens_.erase(std::string(name));
    }
  }
  return written;
}

std::vector<TokenInfo> SecretsStore::tokens() const {
  std::vector<TokenInfo> out;
  out.reserve(tokens_.size());
  for (const auto& [name, entry] : tokens_) out.push_back(TokenInfo{name, entry.role, entry.created_at});
  return out;
}

std::optional<TokenIdentity> SecretsStore::authenticate(std::string_view token) const {
  const crypto::Digest256 candidate = crypto::sha256(token);
  const TokenEntry* match = nullptr;
  const std::string* match_name = nullptr;
  // Every stored hash is compared, match or not, so the time does not tell which
  // (or whether an early) entry matched.
  for (const auto& [name, entry] : tokens_) {
    if (crypto::constant_time_equal(as_text(entry.hash), as_text(candidate))) {
      match = &entry;
      match_name = &name;
    }
  }
  if (match == nullptr) return std::nullopt;
  return TokenIdentity{*match_name, match->role};
}

Status SecretsStore::rotate(const std::string& key_file) {
  const std::string new_key_file = key_file + ".new";
  const std::string store_backup = path_ + ".bak";
  const std::string key_backup = key_file + ".bak";
  for (const std::string* leftover : {&new_key_file, &store_backup, &key_backup}) {
    if (file_exists(*leftover)) {
      return make_error(Errc::conflict, "'" + *leftover +
                                            "' exists, left by an interrupted rotation: find which key opens the "
                                            "store (try " + new_key_file + " first), keep that pair, remove the "
                                            "leftovers, then rotate again");
    }
  }

  Secret new_key = generate_store_key();
  if (Status written = write_key_file(new_key_file, new_key); !written) return written;
  // The old store and key stay side by side as .bak until the new pair is in place.
  if (Status kept = keep_copy(path_, store_backup); !kept) {
    (void)remove_file(new_key_file);
    return kept;
  }
  const bool had_key_file = file_exists(key_file);
  if (had_key_file) {
    if (Status kept = keep_copy(key_file, key_backup); !kept) {
      (void)remove_file(new_key_file);
      (void)remove_file(store_backup);
      return kept;
    }
  }
  const auto give_up = [&](Status failure) {
    (void)remove_file(new_key_file);
    (void)remove_file(store_backup);
    (void)remove_file(key_backup);
    return failure;
  };

  std::string previous_rotated_at = std::exchange(key_rotated_at_, now());
  Secret old_key = std::exchange(key_, std::move(new_key));
  if (Status written = write(); !written) {
    // The atomic write left the old store in place: still the old key's.
    key_ = std::move(old_key);
    key_rotated_at_ = std::move(previous_rotated_at);
    return give_up(written);
  }
  if (Status renamed = rename_file(new_key_file, key_file); !renamed) {
    // The store on disk is under the new key but the key file is not: put the old
    // store back so the old key file still opens it.
    if (rename_file(store_backup, path_)) {
      key_ = std::move(old_key);
      key_rotated_at_ = std::move(previous_rotated_at);
      return give_up(renamed);
    }
    return make_error(Errc::io_error, renamed.error().message + "; the store is now encrypted under the key in '" +
                                          new_key_file + "' (move it to '" + key_file + "' by hand)");
  }
  (void)remove_file(store_backup);
  (void)remove_file(key_backup);
  return {};
}

}  // namespace propbot::secrets
