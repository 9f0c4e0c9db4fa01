#include "core/common/child_process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace propbot {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often a waiting parent looks at ChildLimits::cancel.
constexpr long long kCancelPollMs = 100;

struct Pipe {
  int read = -1;
  int write = -1;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(Errc::io_error, std::string("pipe2: ") + std::strerror(errno));
  return Pipe{fds[0], fds[1]};
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// --- child side: async-signal-safe calls only (the parent may have other threads) ----

[[noreturn]] void child_exec(const char* path, char* const argv[], char* const envp[], int in_fd, int out_fd,
                             int err_fd, const ChildLimits& limits, pid_t parent) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &fallback, nullptr);  // SIGKILL/SIGSTOP just fail
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect

  struct rlimit no_core {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (limits.address_space_bytes > 0) {
    struct rlimit as {limits.address_space_bytes, limits.address_space_bytes};
    ::setrlimit(RLIMIT_AS, &as);
  }
  if (limits.cpu_seconds > 0) {
    struct rlimit cpu {limits.cpu_seconds, limits.cpu_seconds + 1};
    ::setrlimit(RLIMIT_CPU, &cpu);
  }

  // Lift the pipe ends above 2 first, so a parent started with 0-2 closed (pipes may
  // then have been given those numbers) cannot have one clobber another.
  const int in_high = ::fcntl(in_fd, F_DUPFD, 3);
  const int out_high = ::fcntl(out_fd, F_DUPFD, 3);
  const int err_high = ::fcntl(err_fd, F_DUPFD, 3);
  if (in_high < 0 || out_high < 0 || err_high < 0) ::_exit(127);
  if (::dup2(in_high, 0) < 0 || ::dup2(out_high, 1) < 0 || ::dup2(err_high, 2) < 0) ::_exit(127);
  // Nothing else of the daemon's (sockets, the database, the secrets file) crosses exec.
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    const long max_fd = ::sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) ::close(static_cast<int>(fd));
  }
  ::execve(path, argv, envp);
  ::_exit(127);
}

// SIGPIPE from a write to a child that already exited must not end (or bother) the
// caller: blocked on this thread while we write, and any pending one consumed after.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous_);
  }
  ~SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    struct timespec zero {0, 0};
    while (::sigtimedwait(&pipe_only, nullptr, &zero) > 0) {
    }
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t previous_{};
};

}  // namespace

Result<ChildResult> run_child(const std::string& executable, const std::vector<std::string>& args,
                              const std::vector<std::string>& env, std::string_view input, const ChildLimits& limits) {
  // Everything the child needs is built before fork: it may not allocate afterwards.
  std::vector<std::string> argv_text;
  argv_text.reserve(args.size() + 1);
  argv_text.push_back(executable);
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& text : argv_text) argv.push_back(text.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text(env);
  std::vector<char*> envp;
  for (std::string& text : env_text) envp.push_back(text.data());
  envp.push_back(nullptr);

  auto to_child = make_pipe();
  if (!to_child) return to_child.error();
  auto from_child = make_pipe();
  if (!from_child) {
    close_fd(to_child->read);
    close_fd(to_child->write);
    return from_child.error();
  }
  auto errors_of_child = make_pipe();
  if (!errors_of_child) {
    for (int* fd : {&to_child->read, &to_child->write, &from_child->read, &from_child->write}) close_fd(*fd);
    return errors_of_child.error();
  }
  Pipe in = *to_child, out = *from_child, err = *errors_of_child;

  const auto started = SteadyClock::now();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int fork_errno = errno;
    for (int* fd : {&in.read, &in.write, &out.read, &out.write, &err.read, &err.write}) close_fd(*fd);
    return make_error(Errc::io_error, std::string("fork: ") + std::strerror(fork_errno));
  }
  if (pid == 0) child_exec(argv_text.front().c_str(), argv.data(), envp.data(), in.read, out.write, err.write, limits, parent);

  close_fd(in.read);
  close_fd(out.write);
  close_fd(err.write);
  set_nonblocking(in.write);
  set_nonblocking(out.read);
  set_nonblocking(err.read);
  if (input.empty()) close_fd(in.write);

  ChildResult result;
  std::size_t written = 0;
  std::array<char, 65536> buffer{};
  const auto deadline = started + limits.deadline;
  {
    SigpipeBlock no_sigpipe;
    while (out.read >= 0 || err.read >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        break;
      }
      if (limits.cancel != nullptr && limits.cancel->load()) {
        result.cancelled = true;
        break;
      }
      std::array<pollfd, 3> fds{};
      nfds_t count = 0;
      auto watch = [&](int fd, short events) {
        if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
      };
      watch(out.read, POLLIN);
      watch(err.read, POLLIN);
      watch(in.write, POLLOUT);
      const int ready = ::poll(fds.data(), count, static_cast<int>(std::min<long long>(left.count(), kCancelPollMs)));
      if (ready < 0 && errno != EINTR) break;
      if (ready <= 0) continue;
      for (nfds_t i = 0; i < count; ++i) {
        if (fds[i].revents == 0) continue;
        const int fd = fds[i].fd;
        if (fd == in.write) {
          const ssize_t n = ::write(fd, input.data() + written, input.size() - written);
          if (n > 0) written += static_cast<std::size_t>(n);
          if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) close_fd(in.write);
          continue;
        }
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) {
          close_fd(fd == out.read ? out.read : err.read);
          continue;
        }
        if (fd == out.read) {
          if (result.out.size() + static_cast<std::size_t>(n) > limits.max_output_bytes) {
            result.output_overflow = true;
            break;
          }
          result.out.append(buffer.data(), static_cast<std::size_t>(n));
        } else {
          result.err_tail.append(buffer.data(), static_cast<std::size_t>(n));
          if (result.err_tail.size() > kStderrTailBytes) result.err_tail.erase(0, result.err_tail.size() - kStderrTailBytes);
        }
      }
      if (result.output_overflow) break;
    }
    if (result.timed_out || result.cancelled || result.output_overflow) ::kill(pid, SIGKILL);
    for (int* fd : {&in.write, &out.read, &err.read}) close_fd(*fd);
  }

  // Its pipes are closed, but a child may live on without them: it still has until the
  // deadline to exit.
  int status = 0;
  pid_t reaped = 0;
  while (!result.timed_out && !result.cancelled && !result.output_overflow) {
    reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped != 0 && !(reaped < 0 && errno == EINTR)) break;
    const bool cancelled = limits.cancel != nullptr && limits.cancel->load();
    if (cancelled || SteadyClock::now() >= deadline) {
      (cancelled ? result.cancelled : result.timed_out) = true;
      ::kill(pid, SIGKILL);
      break;
    }
    ::usleep(2000);
  }
  if (reaped <= 0) {
    do {
      reaped = ::waitpid(pid, &status, 0);
    } while (reaped < 0 && errno == EINTR);
  }
  if (reaped == pid) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  result.wall_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  return result;
}

std::string current_executable() {
  std::array<char, 4096> path{};
  const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) return {};
  return std::string(path.data(), static_cast<std::size_t>(n));
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGTERM: return "SIGTERM";
    case SIGPIPE: return "SIGPIPE";
    default: return "signal " + std::to_string(signal);
  }
}

}  // namespace propbot
