#include "core/app/commands/capture_command.hpp"

#include <iostream>

#include "core/history/capture_summary.hpp"

namespace propbot::app {

int capture_command(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "info") {
    std::cerr << "usage: propbot capture info FILE" << std::endl;
    return 2;
  }
  auto summary = history::summarize_capture(args[1]);
  if (!summary) {
    std::cerr << "capture info: " << summary.error().message << std::endl;
    return 1;
  }
  std::cout << summary->dump(2) << std::endl;
  return 0;
}

}  // namespace propbot::app
