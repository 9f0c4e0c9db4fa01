#include "core/app/commands/venue_sim_command.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <pthread.h>

#include "core/common/clock.hpp"
#include "core/crypto/self_signed.hpp"
#include "core/venues/sim/host/venue_factory.hpp"
#include "core/venues/sim/host/venue_sim_host.hpp"

namespace propbot::app {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitRuntime = 1;

struct VenueSimFlags {
  std::optional<std::uint16_t> binance_port, okx_port;
  std::uint16_t admin_port = 0;
  bool tls = false;
  std::uint64_t seed = 1;
  std::optional<std::chrono::milliseconds> funding_interval;  // the host's default (8 h) when unset
};

// --funding-interval-ms: at least 100 ms (settlements happen on market ticks), at most
// 7 days.
constexpr long long kMinFundingIntervalMs = 100;
constexpr long long kMaxFundingIntervalMs = 7LL * 24 * 3600 * 1000;

void usage_error(const std::string& message) {
  std::cerr << "propbot venue-sim: " << message << "\n"
            << "usage: propbot venue-sim [--binance-port N] [--okx-port M] [--admin-port K] [--tls] [--seed S]"
               " [--funding-interval-ms MS]\n";
  std::cerr.flush();
}

std::optional<std::uint16_t> parse_port(const std::string& text) {
  char* end = nullptr;
  const long port = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || port < 0 || port > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

// Returns false after printing the first bad flag.
bool parse_flags(const std::vector<std::string>& args, VenueSimFlags& flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "--tls") {
      if (value) {
        usage_error("--tls takes no value");
        return false;
      }
      flags.tls = true;
      continue;
    }
    const bool known = name == "--binance-port" || name == "--okx-port" || name == "--admin-port" || name == "--seed" ||
                       name == "--funding-interval-ms";
    if (!known) {
      usage_error("unknown option '" + args[i] +
                  "'; allowed: --binance-port, --okx-port, --admin-port, --tls, --seed, --funding-interval-ms");
      return false;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        usage_error("missing value after " + name);
        return false;
      }
      value = args[++i];
    }
    if (name == "--seed") {
      char* end = nullptr;
      errno = 0;
      const unsigned long long seed = std::strtoull(value->c_str(), &end, 10);
      if (value->empty() || *end != '\0' || errno != 0 || (*value)[0] == '-') {
        usage_error("--seed '" + *value + "': must be a non-negative integer");
        return false;
      }
      flags.seed = seed;
      continue;
    }
    if (name == "--funding-interval-ms") {
      char* end = nullptr;
      errno = 0;
      const long long ms = std::strtoll(value->c_str(), &end, 10);
      if (value->empty() || *end != '\0' || errno != 0 || ms < kMinFundingIntervalMs || ms > kMaxFundingIntervalMs) {
        usage_error("--funding-interval-ms '" + *value + "': must be an integer in [" +
                    std::to_string(kMinFundingIntervalMs) + ", " + std::to_string(kMaxFundingIntervalMs) + "]");
        return false;
      }
      flags.funding_interval = std::chrono::milliseconds(ms);
      continue;
    }
    const auto port = parse_port(*value);
    if (!port) {
      usage_error(name + " '" + *value + "': must be an integer in [0, 65535] (0 picks a free port)");
      return false;
    }
    if (name == "--binance-port") flags.binance_port = *port;
    if (name == "--okx-port") flags.okx_port = *port;
    if (name == "--admin-port") flags.admin_port = *port;
  }
  return true;
}

int wait_for_stop_signal(const sigset_t& signals) {
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  return received;
}

}  // namespace

int venue_sim_command(const std::vector<std::string>& args) {
  // Block the stop signals before any thread starts (threads inherit the mask) and take
  // them synchronously below, as `propbot run` does.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  VenueSimFlags flags;
  if (!parse_flags(args, flags)) return kExitUsage;

  namespace sim = venues::sim;
  sim::VenueSimHostOptions options;
  options.admin_port = flags.admin_port;
  options.seed = flags.seed;
  if (flags.funding_interval) options.funding_interval = *flags.funding_interval;
  options.log = [](std::string_view line) { std::cerr << line << '\n'; };

  std::vector<std::pair<std::string, std::uint16_t>> wanted;
  if (flags.binance_port) wanted.emplace_back("binance", *flags.binance_port);
  if (flags.okx_port) wanted.emplace_back("okx", *flags.okx_port);
  if (wanted.empty()) {
    // No venue named: every built frontend on a free port.
    for (const auto& protocol : sim::built_protocols()) wanted.emplace_back(protocol, 0);
  }
  for (const auto& [protocol, port] : wanted) {
    auto factory = sim::venue_factory(protocol);
    if (!factory) {
      usage_error("--" + protocol + "-port: " + factory.error().message);
      return kExitUsage;
    }
    options.venues.push_back(sim::HostedVenueSpec{protocol, port, std::move(*factory)});
  }

  std::optional<crypto::SelfSignedCertificate> certificate;
  if (flags.tls) {
    crypto::SelfSignedOptions tls_options;
    tls_options.organization = "PropBot venue simulator";
    tls_options.valid_days = 30;
    tls_options.directory_prefix = "propbot-venue-sim-tls";
    auto made = crypto::make_self_signed_certificate(tls_options);
    if (!made) {
      std::cerr << "propbot venue-sim: cannot make a TLS certificate: " << made.error().describe() << std::endl;
      return kExitRuntime;
    }
    certificate.emplace(std::move(*made));
    options.tls = net::HttpServerTls{certificate->cert_file(), certificate->key_file()};
  }

  RealClock clock;
  sim::VenueSimHost host(std::move(options), clock);
  if (Status started = host.start(); !started) {
    std::cerr << "propbot venue-sim: " << started.error().describe() << std::endl;
    return kExitRuntime;
  }
  for (const auto& name : host.venue_names()) {
    std::cout << name << " listening on " << host.venue(name)->url << '\n';
  }
  std::cout << "admin listening on " << host.admin_url() << std::endl;
  if (certificate) std::cerr << "venue_sim: TLS certificate (trust it as the CA): " << certificate->cert_file() << std::endl;

  const int signal = wait_for_stop_signal(stop_signals);
  std::cerr << "venue_sim: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
  host.stop();
  return 0;
}

}  // namespace propbot::app
