#include "core/app/commands/strategy_command.hpp"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "scripting/strategy_test_harness.hpp"

namespace propbot::app {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: propbot strategy test FILE_test.lua [--strategy FILE] [--filter SUBSTRING]\n"
    "\n"
    "Runs the test_* functions of a Lua strategy test (a file returning a table of\n"
    "functions T.test_x(h)), in file order, each in a fresh state, with the harness `h`\n"
    "(docs/STRATEGY_GUIDE.md, \"Testing your strategy\").\n"
    "  h.load(name)        strategies/<name>.lua from the nearest strategies/ directory of\n"
    "                      the test file's directory or its parents, else ./strategies\n"
    "  --strategy FILE     every h.load(...) loads FILE instead, whatever the name\n"
    "  --filter SUBSTRING  only the tests whose name contains SUBSTRING\n"
    "\n"
    "Output: 'PASS test_name (1.2 ms)', or 'FAIL test_name' then indented lines\n"
    "'file:line: message' and the Lua traceback; last line 'N passed, M failed'.\n"
    "Exit status: 0 all passed, 1 a test failed, 2 usage error (missing or unreadable\n"
    "file, a file that does not return a table of test_* functions, unknown flag).\n";

int usage_error(const std::string& message) {
  std::cerr << "propbot strategy: " << message << "\n" << kUsage;
  return kExitUsage;
}

struct TestArgs {
  std::string file;
  std::optional<std::string> strategy;
  std::optional<std::string> filter;
};

// Parses `test FILE [--strategy FILE] [--filter SUBSTRING]` (flags as `--x V` or
// `--x=V`); returns the usage error message, empty when the arguments are good.
std::string parse(const std::vector<std::string>& args, TestArgs& out) {
  std::optional<std::string> file;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string name = args[i];
    if (name.rfind("--", 0) != 0) {
      if (file) return "unexpected argument '" + name + "' (FILE is already '" + *file + "')";
      file = name;
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "--strategy") slot = &out.strategy;
    if (name == "--filter") slot = &out.filter;
    if (slot == nullptr) return "unknown option '" + name + "' for 'test'; allowed: --strategy, --filter";
    if (!value) {
      if (i + 1 >= args.size()) return "missing value after " + name;
      value = args[++i];
    }
    if (*slot) return name + " given twice";
    *slot = *value;
  }
  if (!file) return "test needs the Lua test file FILE_test.lua";
  out.file = *file;
  return {};
}

std::string format_ms(std::chrono::nanoseconds duration) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << std::chrono::duration<double, std::milli>(duration).count() << " ms";
  return text.str();
}

// Each line of `text` indented by four spaces (a traceback's leading tab as two more).
void print_indented(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '\t') line = "  " + line.substr(1);
    out << "    " << line << "\n";
  }
}

void print_failure(std::ostream& out, const scripting::StrategyTestResult& result) {
  out << "FAIL " << result.name << "\n";
  print_indented(out, result.located());
  std::string traceback = result.traceback;
  // The traceback's first line repeats the message (the sandbox's message handler).
  if (traceback.rfind(result.message, 0) == 0) traceback.erase(0, result.message.size());
  if (!traceback.empty() && traceback.front() == '\n') traceback.erase(0, 1);
  print_indented(out, traceback);
}

int test(const std::vector<std::string>& args) {
  TestArgs parsed;
  if (const std::string error = parse(args, parsed); !error.empty()) return usage_error(error);
  const fs::path cwd = fs::current_path();
  const scripting::ScriptPath file{parsed.file, parsed.file};
  auto names = scripting::list_strategy_tests(file);
  if (!names) {
    std::cerr << "propbot strategy: " << names.error().message << "\n";
    return kExitUsage;
  }
  scripting::StrategyTestOptions options = scripting::bundle_test_options(parsed.file, cwd);
  if (parsed.strategy) {
    std::error_code ec;
    if (!fs::is_regular_file(*parsed.strategy, ec) || !std::ifstream(*parsed.strategy)) {
      std::cerr << "propbot strategy: --strategy " << *parsed.strategy
                << ": cannot read the strategy file (give the path of the .lua file under development)\n";
      return kExitUsage;
    }
    options.strategy_file = scripting::ScriptPath{*parsed.strategy, *parsed.strategy};
  }
  std::vector<std::string> selected;
  for (const std::string& name : *names) {
    if (!parsed.filter || name.find(*parsed.filter) != std::string::npos) selected.push_back(name);
  }
  if (selected.empty()) {
    std::cerr << "propbot strategy: --filter '" << *parsed.filter << "' matches none of the " << names->size()
              << " tests in " << parsed.file << "\n";
    return kExitUsage;
  }
  std::size_t passed = 0;
  std::size_t failed = 0;
  for (const std::string& name : selected) {
    const scripting::StrategyTestResult result = scripting::run_strategy_test(file, name, options);
    if (result.passed) {
      ++passed;
      std::cout << "PASS " << name << " (" << format_ms(result.duration) << ")\n";
    } else {
      ++failed;
      print_failure(std::cout, result);
    }
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int strategy_command(const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("missing subcommand (test)");
  const std::string& subcommand = args.front();
  if (subcommand == "help" || subcommand == "--help" || subcommand == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (subcommand != "test") return usage_error("unknown subcommand '" + subcommand + "'; use test");
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
  }
  return test(args);
}

}  // namespace propbot::app
