#include "scripting/call_watch.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace propbot::scripting {
namespace call_watch_detail {

constinit thread_local ThreadSlot t_slot [[gnu::tls_model("initial-exec")]];

void init_thread_slot(ThreadSlot& slot) noexcept {
  clockid_t clock = 0;
  if (::pthread_getcpuclockid(::pthread_self(), &clock) != 0) clock = CLOCK_THREAD_CPUTIME_ID;
  slot.cpu_clock = clock;
  // A thread created with every signal blocked would hold the signal pending for ever.
  sigset_t ours;
  sigemptyset(&ours);
  sigaddset(&ours, call_watch_signal());
  ::pthread_sigmask(SIG_UNBLOCK, &ours, nullptr);
  slot.tid = ::gettid();
}

}  // namespace call_watch_detail

namespace {

// Only a tgkill from this process (the watchdog) acts; the running call's own check
// decides whether there is anything to do.
void on_call_watch_signal(int, siginfo_t* info, void*) {
  if (info == nullptr || info->si_code != SI_TKILL || info->si_pid != ::getpid()) return;
  const int saved_errno = errno;
  CallWatch* running = call_watch_detail::t_slot.current.load(std::memory_order_relaxed);
  if (running != nullptr) running->arm_if_expired();
  errno = saved_errno;
}

}  // namespace

int call_watch_signal() noexcept { return SIGRTMIN + 2; }

bool install_call_watch_signal() noexcept {
  // Two watchdogs created at once on two threads may both find the default and both
  // install: the same handler, so no lock is needed.
  struct sigaction current {};
  if (::sigaction(call_watch_signal(), nullptr, &current) != 0) return false;
  if ((current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == &on_call_watch_signal) return true;
  if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) return false;  // someone else's
  struct sigaction ours {};
  ours.sa_sigaction = &on_call_watch_signal;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  return ::sigaction(call_watch_signal(), &ours, nullptr) == 0;
}

}  // namespace propbot::scripting
