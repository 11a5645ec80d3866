#include "spawn_core/process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "spawn_core/spawn_error.hpp"

namespace spawn_core {

namespace {

// CPython's returncode: exit status, or -signal.
int returncode_of(int status) {
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return status;
}

void close_fd(int& fd) noexcept {
  if (fd != -1) close(fd);
  fd = -1;
}

// Waits for `pid` to become reapable within `timeout`: a pidfd when the
// kernel has one, else short sleeps. Returns false on timeout.
bool wait_until_exited(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    bool ready = false;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd entry{pidfd, POLLIN, 0};
      const int rc = poll(&entry, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0)));
      if (rc > 0) { ready = true; break; }
      if (rc == 0) break;
      if (errno != EINTR) break;
    }
    close(pidfd);
    return ready;
  }
  auto nap = std::chrono::microseconds(500);
  while (std::chrono::steady_clock::now() < deadline) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) return true;
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(50000));
  }
  return false;
}

}  // namespace

Process::Process(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd, SpawnPath path_used)
    : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd), path_used_(path_used) {}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      path_used_(other.path_used_),
      returncode_(std::exchange(other.returncode_, std::nullopt)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    close_all();
    reap_on_destroy();
    pid_ = std::exchange(other.pid_, -1);
    stdin_fd_ = std::exchange(other.stdin_fd_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    stderr_fd_ = std::exchange(other.stderr_fd_, -1);
    path_used_ = other.path_used_;
    returncode_ = std::exchange(other.returncode_, std::nullopt);
  }
  return *this;
}

Process::~Process() {
  close_all();
  reap_on_destroy();
}

void Process::close_all() noexcept {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
}

void Process::close_stdin() { close_fd(stdin_fd_); }

void Process::reap_on_destroy() noexcept {
  if (pid_ <= 0 || returncode_) return;
  // Unlike CPython (which leaves the child running and reaps it later), a
  // dropped handle kills its child: nobody else can ever reap it.
  ::kill(pid_, SIGKILL);
  int status;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  returncode_ = returncode_of(status);
}

std::optional<int> Process::poll() {
  if (returncode_ || pid_ <= 0) return returncode_;
  int status;
  pid_t rc;
  while ((rc = waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (rc == pid_) {
    returncode_ = returncode_of(status);
  } else if (rc < 0 && errno == ECHILD) {
    returncode_ = 0;  // reaped elsewhere (SIGCHLD ignored): CPython reports 0 too
  }
  return returncode_;
}

int Process::wait() {
  if (returncode_ || pid_ <= 0) return returncode_.value_or(0);
  int status;
  pid_t rc;
  while ((rc = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  if (rc == pid_) {
    returncode_ = returncode_of(status);
  } else {
    returncode_ = 0;
  }
  return *returncode_;
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  if (poll()) return returncode_;
  if (!wait_until_exited(pid_, timeout)) return poll();
  return wait();
}

void Process::send_signal(int signo) {
  if (pid_ <= 0 || poll()) return;
  if (::kill(pid_, signo) != 0 && errno != ESRCH) throw SpawnError(FailedStep::parent, errno, std::nullopt);
}

void Process::terminate() { send_signal(SIGTERM); }
void Process::kill() { send_signal(SIGKILL); }

}  // namespace spawn_core
