#include "tests/e2e/daemon_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace propbot::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string read_text_file(const std::string& path) { return read_file(path); }

DevCredentials read_dev_credentials(const std::string& binary, const std::string& data_dir) {
  DevCredentials c;
  const CommandRun run = run_to_exit({binary, "secrets", "show-dev", "--data-dir", data_dir}, std::chrono::seconds(20));
  std::istringstream lines(run.out);
  std::string kind, name, a, b;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    words >> kind >> name >> a;
    if (kind == "token") {
      words >> b;
      c.tokens[name] = b;
    } else if (kind == "secret" && name == "approve_token") {
      c.approve_token = a;
    } else if (kind == "secret" && name == "approve_token_2fa") {
      c.totp_seed = a.substr(std::string("totp:").size());
    }
  }
  return c;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "propbot-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::vector<std::string> env)
    : args_(std::move(args)), env_(std::move(env)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "propbot-proc-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(5));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool DaemonProcess::start() {
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& mine : env_) overridden |= mine.substr(0, mine.find('=')) == name;
    if (!overridden) environment.push_back(entry);
  }
  environment.insert(environment.end(), env_.begin(), env_.end());

  const std::string out = dir_ + "/stdout";
  const std::string err = dir_ + "/stderr";
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv;
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return true;
}

std::optional<int> DaemonProcess::wait_for_listening(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string marker = "listening on http://";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = stdout_text();
    const auto at = text.find(marker);
    if (at != std::string::npos) {
      const auto line_end = text.find('\n', at);
      if (line_end != std::string::npos) {
        const std::string url = text.substr(at + marker.size(), line_end - at - marker.size());
        const auto colon = url.rfind(':');
        if (colon != std::string::npos) return std::atoi(url.c_str() + colon + 1);
      }
    }
    if (!running()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

bool DaemonProcess::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return r == 0;
}

std::optional<int> DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

void DaemonProcess::send_signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

std::string DaemonProcess::stdout_text() const { return read_file(dir_ + "/stdout"); }
std::string DaemonProcess::stderr_text() const { return read_file(dir_ + "/stderr"); }

std::optional<std::map<std::string, int>> wait_for_venue_sim_listeners(DaemonProcess& process,
                                                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = process.stdout_text();
    if (text.find("admin listening on ") != std::string::npos && text.back() == '\n') {
      std::map<std::string, int> ports;
      std::istringstream lines(text);
      std::string line;
      const std::string marker = " listening on http://127.0.0.1:";
      while (std::getline(lines, line)) {
        const auto at = line.find(marker);
        if (at == std::string::npos || at == 0) continue;
        ports[line.substr(0, at)] = std::atoi(line.c_str() + at + marker.size());
      }
      return ports;
    }
    if (!process.running()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

CommandRun run_to_exit(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  DaemonProcess process(std::move(args));
  CommandRun run;
  if (!process.start()) return run;
  run.exit_code = process.wait_exit(timeout).value_or(-1);
  run.out = process.stdout_text();
  run.err = process.stderr_text();
  return run;
}

}  // namespace propbot::testing
