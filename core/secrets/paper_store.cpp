#include "core/secrets/paper_store.hpp"

#include <filesystem>

#include "core/secrets/private_file.hpp"
#include "core/secrets/random_token.hpp"
#include "core/secrets/store_key.hpp"

namespace propbot::secrets {
namespace {

struct PaperToken {
  std::string_view name;
  Role role;
};
constexpr PaperToken kPaperTokens[] = {
    {"operator1", Role::operator_},
    {"operator2", Role::operator_},
    {"viewer1", Role::viewer},
    {"auditor1", Role::auditor},
};

std::string join(const std::string& directory, std::string_view file) {
  return (std::filesystem::path(directory) / file).string();
}

bool has_token(const SecretsStore& store, std::string_view name) {
  for (const TokenInfo& token : store.tokens()) {
    if (token.name == name) return true;
  }
  return false;
}

// Adds whatever a paper store lacks, so a first start that stopped half-way is
// completed by the next one. Writes nothing when the store is complete.
Status fill(SecretsStore& store) {
  for (const PaperToken& token : kPaperTokens) {
    if (has_token(store, token.name)) continue;
    Secret value = random_token("pbt_");
    if (Status added = store.add_token(token.name, token.role, value); !added) return added;
    if (Status kept = store.set(std::string(kDevTokenPrefix) + std::string(token.name), std::move(value)); !kept) {
      return kept;
    }
  }
  if (!store.contains(kApproveTokenName)) {
    if (Status set = store.set(kApproveTokenName, random_token("pba_")); !set) return set;
  }
  if (!store.contains(kApproveToken2faName)) return store.set(kApproveToken2faName, random_totp_secret());
  return {};
}

}  // namespace

Result<PaperStore> ensure_paper_store(const std::string& data_dir, const Clock& clock) {
  const std::string store_file = join(data_dir, kStoreFileName);
  const std::string key_file = join(data_dir, kKeyFileName);

  if (file_exists(store_file)) {
    Result<Secret> key = load_key_file(key_file);
    if (!key) return key.error();
    Result<SecretsStore> store = SecretsStore::open(store_file, std::move(*key), clock);
    if (!store) return store.error();
    if (store->profile() == StoreProfile::paper) {
      if (Status filled = fill(*store); !filled) return filled.error();
    }
    return PaperStore{std::move(*store), store_file, key_file, false};
  }
  if (file_exists(key_file)) {
    return make_error(Errc::conflict, "key file '" + key_file + "' exists but its store '" + store_file +
                                          "' does not (an interrupted first start?): remove '" + key_file +
                                          "' to let the paper daemon make a new store");
  }

  Secret key = generate_store_key();
  if (Status written = write_key_file(key_file, key); !written) return written.error();
  Result<SecretsStore> store = SecretsStore::create(store_file, std::move(key), clock, StoreProfile::paper);
  if (!store) {
    (void)remove_file(key_file);
    return store.error();
  }
  if (Status filled = fill(*store); !filled) return filled.error();
  return PaperStore{std::move(*store), store_file, key_file, true};
}

Result<std::vector<PaperCredential>> read_paper_credentials(const SecretsStore& store, std::string_view actor) {
  if (store.profile() != StoreProfile::paper) {
    return make_error(Errc::permission_denied, "secrets store '" + store.path() + "' has profile " +
                                                   std::string(to_string(store.profile())) +
                                                   ", not paper: show-dev prints development stores only");
  }
  std::vector<PaperCredential> out;
  for (const TokenInfo& token : store.tokens()) {
    const std::string dev_name = std::string(kDevTokenPrefix) + token.name;
    if (!store.contains(dev_name)) continue;  // added later by hand: its plain text was never kept
    Result<Secret> value = store.get(dev_name, actor);
    if (!value) return value.error();
    out.push_back(PaperCredential{token.name, token.role, std::move(*value)});
  }
  for (std::string_view name : {kApproveTokenName, kApproveToken2faName}) {
    if (!store.contains(name)) continue;
    Result<Secret> value = store.get(name, actor);
    if (!value) return value.error();
    out.push_back(PaperCredential{std::string(name), std::nullopt, std::move(*value)});
  }
  return out;
}

}  // namespace propbot::secrets
