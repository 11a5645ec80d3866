// Every signal's disposition and the blocked mask, read with the raw system
// calls: glibc's wrappers refuse its two internal signals (32 and 33), whose
// state differs between spawn mechanisms and must be seen too.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "fdconform_snapshot/snapshot.hpp"

namespace fdconform_snapshot {
namespace {

// The kernel's struct sigaction on x86-64 and the other common ABIs.
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

constexpr int highest_signal = 64;  // _NSIG - 1 on Linux

}  // namespace

SignalState read_signal_state() {
  SignalState state;
  uint64_t blocked = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &blocked, sizeof blocked);
  for (int signo = 1; signo <= highest_signal; ++signo) {
    KernelSigaction action{};
    if (syscall(SYS_rt_sigaction, signo, nullptr, &action, sizeof(uint64_t)) == 0) {
      if (action.handler == SIG_IGN) state.ignored.push_back(signo);
      else if (action.handler != SIG_DFL) state.caught.push_back(signo);
    }
    if (blocked & (uint64_t{1} << (signo - 1))) state.blocked.push_back(signo);
  }
  return state;
}

}  // namespace fdconform_snapshot
