// A running (or finished) child and the parent's ends of its pipes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "spawn_core/command.hpp"

namespace spawn_core {

class TimeoutExpired : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  std::string partial_stdout;
  std::string partial_stderr;
};

struct Communicated {
  std::string stdout_data;
  std::string stderr_data;
};

// Move-only. The destructor closes every pipe end still held; if the child
// has not been reaped it is sent SIGKILL and reaped, so a dropped handle
// leaves neither an fd nor a zombie behind (docs/SPAWN_CORE.md).
class Process {
 public:
  Process() = default;
  Process(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd, SpawnPath path_used);
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const noexcept { return pid_; }
  SpawnPath path_used() const noexcept { return path_used_; }
  // The parent's pipe ends (-1 when that stream is not a pipe). Close-on-exec.
  int stdin_fd() const noexcept { return stdin_fd_; }
  int stdout_fd() const noexcept { return stdout_fd_; }
  int stderr_fd() const noexcept { return stderr_fd_; }

  // Return codes follow CPython: exit status, or -signal when killed by one.
  std::optional<int> poll();
  int wait();
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  std::optional<int> returncode() const noexcept { return returncode_; }

  void send_signal(int signo);  // no-op once reaped, as CPython
  void terminate();
  void kill();

  // Writes `input` to stdin (then closes it) while draining stdout and stderr
  // with poll(2), so neither side can block the other; then waits.
  // Throws TimeoutExpired (the child is left running) when the timeout passes.
  Communicated communicate(std::string_view input = {},
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  void close_stdin();

 private:
  void close_all() noexcept;
  void reap_on_destroy() noexcept;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  SpawnPath path_used_ = SpawnPath::automatic;
  std::optional<int> returncode_;
};

}  // namespace spawn_core
