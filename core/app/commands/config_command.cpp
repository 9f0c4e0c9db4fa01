#include "core/app/commands/config_command.hpp"

#include <iostream>
#include <optional>

#include "core/bundle/bundle.hpp"
#include "core/bundle/isolated_validator.hpp"
#include "core/bundle/validator.hpp"
#include "core/config/config.hpp"
#include "core/shadow/shadow_worker.hpp"

namespace propbot::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = "usage: propbot config validate DIR [--profile paper|testnet|live]\n";

int usage_error(const std::string& message) {
  std::cerr << "propbot config: " << message << "\n" << kUsage;
  return kExitUsage;
}

int validate(const std::vector<std::string>& args) {
  std::optional<std::string> directory;
  std::optional<std::string> profile_text;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string name = args[i];
    if (name.rfind("--", 0) != 0) {
      if (directory) return usage_error("unexpected argument '" + name + "' (DIR is already '" + *directory + "')");
      directory = name;
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name != "--profile") return usage_error("unknown option '" + name + "' for 'validate'; allowed: --profile");
    if (!value) {
      if (i + 1 >= args.size()) return usage_error("missing value after --profile");
      value = args[++i];
    }
    if (profile_text) return usage_error("--profile given twice");
    profile_text = *value;
  }
  if (!directory) return usage_error("validate needs the bundle directory DIR");
  config::Profile profile = config::Profile::paper;
  if (profile_text) {
    Result<config::Profile> parsed = config::parse_profile(*profile_text);
    if (!parsed) return usage_error("--profile '" + *profile_text + "' is not one of paper, testnet, live");
    profile = *parsed;
  }

  Result<bundle::Bundle> loaded = bundle::read_bundle(*directory);
  if (!loaded) {
    std::cerr << "propbot config: " << loaded.error().message << "\n";
    return kExitInvalid;
  }
  const std::vector<bundle::ValidationError> errors = bundle::validate(*loaded, profile);
  if (!errors.empty()) {
    for (const bundle::ValidationError& error : errors) std::cout << bundle::format(error) << "\n";
    std::cout.flush();
    return kExitInvalid;
  }
  std::cout << "bundle OK: " << loaded->size() << " files, hash " << loaded->hash() << std::endl;
  return kExitOk;
}

}  // namespace

int config_command(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("missing subcommand (validate)");
  const std::string& subcommand = args.front();
  if (subcommand == "help" || subcommand == "--help" || subcommand == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  // Internal: the daemon's isolated validation worker (isolated_validator.hpp), not
  // for people; it speaks JSON on stdin/stdout.
  if (subcommand == "validate-worker") return bundle::run_validation_worker(std::cin, std::cout, std::cerr);
  // Internal: the daemon's shadow validation worker (core/shadow/shadow_worker.hpp).
  if (subcommand == "shadow-worker") return shadow::run_shadow_worker(std::cin, std::cout, std::cerr);
  if (subcommand != "validate") return usage_error("unknown subcommand '" + subcommand + "'; use validate");
  return validate(args);
}

}  // namespace propbot::app
