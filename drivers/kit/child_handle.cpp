#include "child_handle.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "child_wait.hpp"

namespace kit {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Appends what `fd` has now; false once it reached its end and was closed. A read that fails
// (EBADF: the scenario closed that pipe end) is Popen.communicate's OSError: the handle forgets the
// number, which may be another file's by now, and throws CallError.
bool drain(int& fd, std::string& into) {
  char buffer[65536];
  const ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n < 0) {
    const int error = errno;
    fd = -1;
    throw CallError(error);
  }
  if (n == 0) {
    close_fd(fd);
    return false;
  }
  into.append(buffer, static_cast<size_t>(n));
  return true;
}

}  // namespace

CallError::CallError(int error_number) : std::runtime_error(std::strerror(error_number)), error_number_(error_number) {}

PidChild::PidChild(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd)
    : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {}

PidChild::~PidChild() {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  // Nobody else can reap it: a dropped handle ends its child.
  if (!returncode_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(pid_);
  }
}

std::optional<int> PidChild::poll() {
  if (returncode_) return returncode_;
  int status = 0;
  pid_t done;
  while ((done = waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (done == pid_) returncode_ = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
  else if (done < 0) returncode_ = 0;  // reaped by the kernel (SIGCHLD ignored): Popen says 0 too
  return returncode_;
}

int PidChild::wait() {
  if (!returncode_) returncode_ = reap(pid_);
  return *returncode_;
}

std::optional<int> PidChild::wait_for(std::chrono::milliseconds timeout) {
  if (!returncode_) returncode_ = wait_with_deadline(pid_, timeout);
  return returncode_;
}

std::optional<Communicated> PidChild::communicate(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (stdin_fd_ >= 0 && ::close(std::exchange(stdin_fd_, -1)) != 0 && errno == EBADF) throw CallError(EBADF);
  Communicated out;
  while (stdout_fd_ >= 0 || stderr_fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd entries[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    const int ready = ::poll(entries, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return std::nullopt;
    if (ready <= 0) continue;
    if (entries[0].revents != 0) drain(stdout_fd_, out.stdout_data);
    if (entries[1].revents != 0) drain(stderr_fd_, out.stderr_data);
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (!wait_for(std::max(left, std::chrono::milliseconds(0)))) return std::nullopt;
  return out;
}

void PidChild::send_signal(int signo) {
  if (poll()) return;
  if (::kill(pid_, signo) != 0 && errno != ESRCH) throw CallError(errno);
}

}  // namespace kit
