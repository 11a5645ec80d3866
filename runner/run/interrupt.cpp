#include "run/interrupt.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace fdconform {
namespace {

std::atomic<int> received_signal{0};
int pipe_fds[2] = {-1, -1};

void on_signal(int signo) {
  int saved_errno = errno;
  received_signal.store(signo);
  if (pipe_fds[1] >= 0) {
    char byte = 1;
    [[maybe_unused]] auto n = ::write(pipe_fds[1], &byte, 1);  // async-signal-safe; full pipe is fine
  }
  errno = saved_errno;
}

}  // namespace

void install_interrupt_handlers() {
  if (pipe_fds[0] < 0 && ::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) pipe_fds[0] = pipe_fds[1] = -1;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  // SIGHUP too: a closed terminal or an ssh session that drops must still leave partial reports.
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signo, &sa, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
  // Under RLIMIT_FSIZE a write past the limit must be an EFBIG the output code reports, not the end of
  // the runner with every result lost.
  ::sigaction(SIGXFSZ, &ignore, nullptr);
}

bool interrupt_requested() { return received_signal.load() != 0; }

bool interrupt_pipe_readable() {
  if (pipe_fds[0] < 0) return false;
  pollfd p{pipe_fds[0], POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}
int interrupt_signal() { return received_signal.load(); }
int interrupt_fd() { return pipe_fds[0]; }

}  // namespace fdconform
