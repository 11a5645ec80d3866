// Process::communicate: feed stdin and drain stdout/stderr with poll(2) so
// that a child blocked on a full pipe can never deadlock us (or we it).
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <utility>

#include "spawn_core/process.hpp"
#include "spawn_core/spawn_error.hpp"

namespace spawn_core {

namespace {

// Writing to a pipe whose reader is gone raises SIGPIPE; like CPython we only
// want EPIPE (and then stop feeding). The signal is blocked in this thread
// around the write and a pending one is consumed before unblocking.
ssize_t write_without_sigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_only, previous;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  const ssize_t n = write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE && !sigismember(&previous, SIGPIPE)) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = saved;
  return n;
}

void close_fd_of(int& fd) {
  ::close(fd);
  fd = -1;
}

}  // namespace

Communicated Process::communicate(std::string_view input, std::optional<std::chrono::milliseconds> timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = timeout ? clock::now() + *timeout : clock::time_point::max();
  Communicated result;
  size_t written = 0;
  // Like CPython, a pipe end someone closed behind the handle's back is an OSError (EBADF) of
  // communicate(), never an empty stream: the handle forgets that number (it may be another
  // file's by now) and the error goes to the caller.
  auto forget_and_fail = [](int& fd, int error) {
    fd = -1;
    throw SpawnError(FailedStep::parent, error, std::nullopt);
  };
  if (stdin_fd_ != -1 && input.empty() && ::close(std::exchange(stdin_fd_, -1)) != 0 && errno == EBADF)
    throw SpawnError(FailedStep::parent, EBADF, std::nullopt);

  while (stdin_fd_ != -1 || stdout_fd_ != -1 || stderr_fd_ != -1) {
    pollfd entries[3];
    int count = 0;
    if (stdin_fd_ != -1) entries[count++] = {stdin_fd_, POLLOUT, 0};
    if (stdout_fd_ != -1) entries[count++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ != -1) entries[count++] = {stderr_fd_, POLLIN, 0};
    int wait_ms = -1;
    if (timeout) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) {
        TimeoutExpired expired("communicate() timed out");
        expired.partial_stdout = std::move(result.stdout_data);
        expired.partial_stderr = std::move(result.stderr_data);
        throw expired;
      }
      wait_ms = static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    const int ready = ::poll(entries, static_cast<nfds_t>(count), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw SpawnError(FailedStep::parent, errno, std::nullopt);
    }
    for (int i = 0; i < count; ++i) {
      if (entries[i].revents == 0) continue;
      const int fd = entries[i].fd;
      int& own = fd == stdin_fd_ ? stdin_fd_ : fd == stdout_fd_ ? stdout_fd_ : stderr_fd_;
      if (entries[i].revents & POLLNVAL) forget_and_fail(own, EBADF);
      if (fd == stdin_fd_) {
        // At most PIPE_BUF: poll's POLLOUT promises that much room, so a
        // blocking write of it cannot stall the loop.
        const size_t chunk = std::min<size_t>(PIPE_BUF, input.size() - written);
        const ssize_t n = (entries[i].revents & (POLLERR | POLLHUP)) ? -1 : write_without_sigpipe(fd, input.data() + written, chunk);
        const int error = n < 0 && !(entries[i].revents & (POLLERR | POLLHUP)) ? errno : EPIPE;
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && error == EINTR) continue;
        if (n < 0 && error != EPIPE) forget_and_fail(own, error);
        if (n < 0 || written == input.size()) close_stdin();  // EPIPE: the child stopped reading
        continue;
      }
      std::string& sink = fd == stdout_fd_ ? result.stdout_data : result.stderr_data;
      char buffer[65536];
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n > 0) {
        sink.append(buffer, static_cast<size_t>(n));
      } else if (n == 0) {
        close_fd_of(own);
      } else if (errno != EINTR) {
        forget_and_fail(own, errno);
      }
    }
  }
  if (timeout) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (!wait_for(std::max(left, std::chrono::milliseconds(0)))) {
      TimeoutExpired expired("communicate() timed out");
      expired.partial_stdout = std::move(result.stdout_data);
      expired.partial_stderr = std::move(result.stderr_data);
      throw expired;
    }
  } else {
    wait();
  }
  return result;
}

}  // namespace spawn_core
