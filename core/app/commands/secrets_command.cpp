#include "core/app/commands/secrets_command.hpp"

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <openssl/crypto.h>
#include <unistd.h>

#include "core/common/clock.hpp"
#include "core/secrets/paper_store.hpp"
#include "core/secrets/private_file.hpp"
#include "core/secrets/random_token.hpp"
#include "core/secrets/secrets_store.hpp"
#include "core/secrets/store_key.hpp"

namespace propbot::app {
namespace {

using secrets::Secret;
using secrets::SecretsStore;

constexpr int kExitOk = 0;
constexpr int kExitStore = 1;
constexpr int kExitUsage = 2;
constexpr std::size_t kMaxStdinValue = 1024 * 1024;

constexpr std::string_view kUsage =
    "usage: propbot secrets init|add-token|set|get-names|rotate|show-dev ... (see `propbot help`)";

struct Flags {
  std::map<std::string, std::string, std::less<>> values;
  std::vector<std::string> positional;

  std::optional<std::string> get(std::string_view name) const {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  }
};

// A one-line usage error: names the subcommand and the flag.
int usage_error(std::string_view subcommand, const std::string& message) {
  std::cerr << "propbot secrets" << (subcommand.empty() ? "" : " ") << subcommand << ": " << message << "\n";
  return kExitUsage;
}

int store_error(std::string_view subcommand, const Error& error) {
  std::cerr << "propbot secrets " << subcommand << ": " << error.message << "\n";
  return kExitStore;
}

// Parses `--flag value` / `--flag=value` for the allowed flags and at most
// `max_positional` bare arguments. Returns the usage error's exit code on failure.
std::optional<int> parse_flags(std::string_view subcommand, const std::vector<std::string>& args, std::size_t first,
                               const std::set<std::string, std::less<>>& allowed, std::size_t max_positional,
                               Flags& flags) {
  for (std::size_t i = first; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      if (flags.positional.size() >= max_positional) {
        // Not echoed: a stray argument is often a value typed on the command line.
        return usage_error(subcommand, "unexpected argument #" + std::to_string(i + 1) +
                                           (max_positional == 0 ? "; flags only"
                                                                : "; only one NAME (values are read from stdin)"));
      }
      flags.positional.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (allowed.find(name) == allowed.end()) {
      std::string list;
      for (const std::string& flag : allowed) list += (list.empty() ? "" : ", ") + flag;
      return usage_error(subcommand, "unknown option '" + name + "'; allowed: " + list);
    }
    if (!value) {
      if (i + 1 >= args.size()) return usage_error(subcommand, "missing value after " + name);
      value = args[++i];
    }
    if (value->empty()) return usage_error(subcommand, name + " must not be empty");
    if (flags.values.count(name) != 0) return usage_error(subcommand, name + " given twice");
    flags.values[name] = *value;
  }
  return std::nullopt;
}

std::optional<int> require(std::string_view subcommand, const Flags& flags, std::string_view flag,
                           std::string_view placeholder) {
  if (flags.get(flag)) return std::nullopt;
  return usage_error(subcommand, "missing " + std::string(flag) + " " + std::string(placeholder));
}

bool environment_has_key() {
  const char* value = std::getenv(std::string(secrets::kSecretsKeyEnv).c_str());
  return value != nullptr && *value != '\0';
}

std::optional<int> require_key_source(std::string_view subcommand, const Flags& flags) {
  if (flags.get("--key-file") || environment_has_key()) return std::nullopt;
  return usage_error(subcommand, "missing --key-file FILE (or set PROPBOT_SECRETS_KEY)");
}

// The key: from --key-file when given, else from PROPBOT_SECRETS_KEY.
Result<Secret> resolve_key(const Flags& flags) {
  if (const auto key_file = flags.get("--key-file")) return secrets::load_key_file(*key_file);
  if (auto key = secrets::key_from_environment()) return std::move(*key);
  return make_error(Errc::invalid_argument, "no key: pass --key-file FILE or set PROPBOT_SECRETS_KEY");
}

Result<SecretsStore> open_store(const Flags& flags, const Clock& clock) {
  Result<Secret> key = resolve_key(flags);
  if (!key) return key.error();
  return SecretsStore::open(*flags.get("--store"), std::move(*key), clock);
}

// Reads all of stdin (at most kMaxStdinValue bytes) into one buffer reserved up front,
// so no reallocation leaves an unwiped copy of the value behind.
Result<Secret> read_stdin_value() {
  std::string buffer;
  buffer.reserve(kMaxStdinValue + 1);
  char chunk[4096];
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      OPENSSL_cleanse(chunk, sizeof chunk);
      return make_error(Errc::io_error, "cannot read the value from stdin");
    }
    if (n == 0) break;
    if (buffer.size() + static_cast<std::size_t>(n) > kMaxStdinValue) {
      OPENSSL_cleanse(chunk, sizeof chunk);
      buffer.resize(buffer.capacity());
      OPENSSL_cleanse(buffer.data(), buffer.size());
      return make_error(Errc::invalid_argument, "the value on stdin is larger than 1 MiB");
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  OPENSSL_cleanse(chunk, sizeof chunk);
  if (buffer.ends_with('\n')) buffer.pop_back();
  if (buffer.ends_with('\r')) buffer.pop_back();
  return Secret::take(buffer);
}

const std::set<std::string, std::less<>> kStoreFlags = {"--store", "--key-file"};

int run_init(const std::vector<std::string>& args, const Clock& clock) {
  constexpr std::string_view kName = "init";
  Flags flags;
  if (auto failed = parse_flags(kName, args, 1, kStoreFlags, 0, flags)) return *failed;
  if (auto failed = require(kName, flags, "--store", "FILE")) return *failed;
  if (auto failed = require_key_source(kName, flags)) return *failed;
  const std::string store_file = *flags.get("--store");
  if (secrets::file_exists(store_file)) {
    return store_error(kName, make_error(Errc::already_exists, "secrets store '" + store_file +
                                                                   "' already exists: refusing to overwrite it"));
  }

  const std::optional<std::string> key_file = flags.get("--key-file");
  bool wrote_key_file = false;
  Result<Secret> key = make_error(Errc::internal, "no key");
  if (key_file && !secrets::file_exists(*key_file)) {
    Secret fresh = secrets::generate_store_key();
    if (Status written = secrets::write_key_file(*key_file, fresh); !written) {
      return store_error(kName, written.error());
    }
    wrote_key_file = true;
    key = std::move(fresh);
  } else {
    key = resolve_key(flags);
  }
  if (!key) return store_error(kName, key.error());

  Result<SecretsStore> store = SecretsStore::create(store_file, std::move(*key), clock);
  if (!store) {
    if (wrote_key_file) (void)secrets::remove_file(*key_file);
    return store_error(kName, store.error());
  }
  std::cout << "created secrets store " << store_file;
  if (key_file) {
    std::cout << (wrote_key_file ? " with a new key in " : " with the key in ") << *key_file << " (mode 0600)";
  } else {
    std::cout << " with the key from " << secrets::kSecretsKeyEnv;
  }
  std::cout << "\n";
  return kExitOk;
}

int run_add_token(const std::vector<std::string>& args, const Clock& clock) {
  constexpr std::string_view kName = "add-token";
  Flags flags;
  if (auto failed = parse_flags(kName, args, 1, {"--store", "--key-file", "--name", "--role", "--token"}, 0, flags)) {
    return *failed;
  }
  if (auto failed = require(kName, flags, "--store", "FILE")) return *failed;
  if (auto failed = require_key_source(kName, flags)) return *failed;
  if (auto failed = require(kName, flags, "--name", "NAME")) return *failed;
  if (auto failed = require(kName, flags, "--role", "viewer|auditor|operator")) return *failed;
  const std::optional<secrets::Role> role = secrets::parse_role(*flags.get("--role"));
  if (!role) return usage_error(kName, "--role '" + *flags.get("--role") + "': must be viewer, auditor or operator");

  std::optional<std::string> given = flags.get("--token");
  if (given && (given->size() < secrets::kMinTokenLength ||
                given->find_first_of(" \t\r\n") != std::string::npos)) {
    return usage_error(kName, "--token must be at least " + std::to_string(secrets::kMinTokenLength) +
                                  " characters without whitespace (or omit it to generate one)");
  }
  Result<SecretsStore> store = open_store(flags, clock);
  if (!store) return store_error(kName, store.error());
  const std::string name = *flags.get("--name");
  bool replacing = false;
  for (const secrets::TokenInfo& token : store->tokens()) replacing = replacing || token.name == name;

  const bool generated = !given;
  Secret token = generated ? secrets::random_token() : Secret::take(*given);
  if (Status added = store->add_token(name, *role, token); !added) {
    // The token was checked above: a remaining invalid_argument is about the name.
    if (added.error().code == Errc::invalid_argument) return usage_error(kName, "--name: " + added.error().message);
    return store_error(kName, added.error());
  }
  if (generated) std::cout << token.reveal() << "\n";
  std::cerr << (replacing ? "replaced" : "added") << " token '" << name << "' (role " << secrets::to_string(*role)
            << ") in " << store->path()
            << (generated ? "; the token was printed on stdout, this once: keep it now" : "") << "\n";
  return kExitOk;
}

int run_set(const std::vector<std::string>& args, const Clock& clock) {
  constexpr std::string_view kName = "set";
  Flags flags;
  if (auto failed = parse_flags(kName, args, 1, kStoreFlags, 1, flags)) return *failed;
  if (auto failed = require(kName, flags, "--store", "FILE")) return *failed;
  if (auto failed = require_key_source(kName, flags)) return *failed;
  if (flags.positional.empty()) {
    return usage_error(kName, "missing NAME (the secret's name; its value is read from stdin)");
  }
  const std::string& name = flags.positional.front();

  Result<SecretsStore> store = open_store(flags, clock);
  if (!store) return store_error(kName, store.error());
  Result<Secret> value = read_stdin_value();
  if (!value) return store_error(kName, value.error());
  if (value->empty()) return usage_error(kName, "the value on stdin for '" + name + "' is empty");
  if (Status set = store->set(name, std::move(*value)); !set) {
    if (set.error().code == Errc::invalid_argument) return usage_error(kName, "NAME: " + set.error().message);
    return store_error(kName, set.error());
  }
  std::cerr << "set secret '" << name << "' in " << store->path() << "\n";
  return kExitOk;
}

int run_get_names(const std::vector<std::string>& args, const Clock& clock) {
  constexpr std::string_view kName = "get-names";
  Flags flags;
  if (auto failed = parse_flags(kName, args, 1, kStoreFlags, 0, flags)) return *failed;
  if (auto failed = require(kName, flags, "--store", "FILE")) return *failed;
  if (auto failed = require_key_source(kName, flags)) return *failed;

  Result<SecretsStore> store = open_store(flags, clock);
  if (!store) return store_error(kName, store.error());
  std::cout << "store " << store->path() << " profile=" << secrets::to_string(store->profile())
            << " created_at=" << store->created_at()
            << " key_rotated_at=" << (store->key_rotated_at().empty() ? "-" : store->key_rotated_at()) << "\n";
  for (const secrets::SecretInfo& secret : store->names()) {
    std::cout << "secret " << secret.name << " updated_at=" << secret.updated_at << "\n";
  }
  for (const secrets::TokenInfo& token : store->tokens()) {
    std::cout << "token " << token.name << " role=" << secrets::to_string(token.role)
              << " created_at=" << token.created_at << "\n";
  }
  return kExitOk;
}

int run_rotate(const std::vector<std::string>& args, const Clock& clock) {
  constexpr std::string_view kName = "rotate";
  Flags flags;
  if (auto failed = parse_flags(kName, args, 1, kStoreFlags, 0, flags)) return *failed;
  if (auto failed = require(kName, flags, "--store", "FILE")) return *failed;
  if (!flags.get("--key-file")) return usage_error(kName, "missing --key-file FILE (the new key is written there)");
  const std::string key_file = *flags.get("--key-file");

  Result<Secret> key = make_error(Errc::internal, "no key");
  if (secrets::file_exists(key_file)) {
    key = secrets::load_key_file(key_file);
  } else if (auto from_environment = secrets::key_from_environment()) {
    key = std::move(*from_environment);
  } else {
    key = make_error(Errc::not_found, "key file '" + key_file +
                                          "' does not exist and PROPBOT_SECRETS_KEY is not set: no key opens "
                                          "the store");
  }
  if (!key) return store_error(kName, key.error());
  Result<SecretsStore> store = SecretsStore::open(*flags.get("--store"), std::move(*key), clock);
  if (!store) return store_error(kName, store.error());
  if (Status rotated = store->rotate(key_file); !rotated) return store_error(kName, rotated.error());
  std::cout << "rotated: " << store->path() << " is now encrypted under the new key in " << key_file
            << " (mode 0600); the old key no longer opens it\n";
  return kExitOk;
}

int run_show_dev(const std::vector<std::string>& args, const Clock& clock) {
  constexpr std::string_view kName = "show-dev";
  Flags flags;
  if (auto failed = parse_flags(kName, args, 1, {"--data-dir"}, 0, flags)) return *failed;
  if (auto failed = require(kName, flags, "--data-dir", "DIR")) return *failed;
  const std::filesystem::path data_dir(*flags.get("--data-dir"));
  const std::string store_file = (data_dir / secrets::kStoreFileName).string();
  const std::string key_file = (data_dir / secrets::kKeyFileName).string();
  if (!secrets::file_exists(store_file)) {
    return store_error(kName, make_error(Errc::not_found, "no secrets store in '" + data_dir.string() +
                                                              "': a paper daemon makes one on its first start "
                                                              "(propbot run --profile paper --data-dir " +
                                                              data_dir.string() + ")"));
  }
  Result<Secret> key = secrets::load_key_file(key_file);
  if (!key) return store_error(kName, key.error());
  Result<SecretsStore> store = SecretsStore::open(store_file, std::move(*key), clock);
  if (!store) return store_error(kName, store.error());
  Result<std::vector<secrets::PaperCredential>> credentials = secrets::read_paper_credentials(*store, "cli:show-dev");
  if (!credentials) return store_error(kName, credentials.error());

  std::cerr << "paper secrets store " << store_file << ": development credentials, valid for this paper daemon only\n";
  for (const secrets::PaperCredential& credential : *credentials) {
    if (credential.role) {
      std::cout << "token " << credential.name << " " << secrets::to_string(*credential.role) << " "
                << credential.value.reveal() << "\n";
    } else {
      std::cout << "secret " << credential.name << " " << credential.value.reveal() << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

int secrets_command(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("", "missing subcommand; " + std::string(kUsage));
  const std::string& subcommand = args.front();
  RealClock clock;
  try {
    if (subcommand == "init") return run_init(args, clock);
    if (subcommand == "add-token") return run_add_token(args, clock);
    if (subcommand == "set") return run_set(args, clock);
    if (subcommand == "get-names") return run_get_names(args, clock);
    if (subcommand == "rotate") return run_rotate(args, clock);
    if (subcommand == "show-dev") return run_show_dev(args, clock);
  } catch (const std::exception& failure) {
    // Only RAND_bytes failing throws here (no secure randomness).
    std::cerr << "propbot secrets " << subcommand << ": " << failure.what() << "\n";
    return kExitStore;
  }
  return usage_error("", "unknown subcommand '" + subcommand + "'; " + std::string(kUsage));
}

}  // namespace propbot::app
