#include "core/app/commands/market_history_command.hpp"

#include <cstdlib>
#include <iostream>
#include <optional>

#include "core/history/market_history_store.hpp"

namespace propbot::app {
namespace {

std::optional<long> positive_number(const std::string& text, long max) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 1 || value > max) return std::nullopt;
  return value;
}

int usage(const std::string& why) {
  std::cerr << "market-history: " << why << "\nusage: propbot market-history --data-dir DIR [--minutes N] [--limit ROWS]"
            << std::endl;
  return 2;
}

}  // namespace

int market_history_command(const std::vector<std::string>& args) {
  std::optional<std::string> data_dir;
  long minutes = 10;
  long limit = 2000;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return usage("missing value after " + args[i]);
    const std::string& value = args[i + 1];
    if (args[i] == "--data-dir") {
      data_dir = value;
    } else if (args[i] == "--minutes") {
      auto parsed = positive_number(value, 60L * 24 * 366);
      if (!parsed) return usage("--minutes must be an integer in [1, 527040]");
      minutes = *parsed;
    } else if (args[i] == "--limit") {
      auto parsed = positive_number(value, 1'000'000);
      if (!parsed) return usage("--limit must be an integer in [1, 1000000]");
      limit = *parsed;
    } else {
      return usage("unknown option " + args[i]);
    }
  }
  if (!data_dir) return usage("--data-dir is required");
  RealClock clock;
  auto rows = history::read_market_history(history::market_history_path(*data_dir),
                                           clock.utc() - std::chrono::minutes(minutes), static_cast<std::size_t>(limit));
  if (!rows) {
    std::cerr << "market-history: " << rows.error().message << std::endl;
    return 1;
  }
  std::cout << rows->dump(2) << std::endl;
  return 0;
}

}  // namespace propbot::app
