// A started child as a scenario's Popen calls see it (docs/SCENARIO_FORMAT.md,
// "Steps": poll, wait, communicate, send_signal, terminate, kill, returncode).
// An adapter whose implementation has its own process object wraps it; any
// other gets PidChild, these calls made on the pid and the parent's pipe ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace kit {

// A call on a child failed with this errno (the step records it as raised).
class CallError : public std::runtime_error {
 public:
  explicit CallError(int error_number);
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

struct Communicated {
  std::string stdout_data, stderr_data;
};

class ChildHandle {
 public:
  virtual ~ChildHandle() = default;
  virtual pid_t pid() const = 0;
  // The parent's ends of the child's pipes; -1 when there is none or it was closed.
  virtual int stdin_fd() const = 0;
  virtual int stdout_fd() const = 0;
  virtual int stderr_fd() const = 0;
  // The returncode once the child was reaped (exit status, or -signal), else nullopt.
  virtual std::optional<int> returncode() const = 0;
  virtual std::optional<int> poll() = 0;
  virtual int wait() = 0;
  virtual std::optional<int> wait_for(std::chrono::milliseconds timeout) = 0;
  // Closes stdin, reads stdout and stderr to their end, then waits; nullopt when `timeout` passed first.
  virtual std::optional<Communicated> communicate(std::chrono::milliseconds timeout) = 0;
  // Nothing for a child already reaped, as Popen.send_signal; throws CallError.
  virtual void send_signal(int signo) = 0;
};

// Popen's calls made on a pid and the parent's pipe ends (it owns and closes them).
class PidChild final : public ChildHandle {
 public:
  PidChild(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd);
  ~PidChild() override;
  PidChild(const PidChild&) = delete;
  PidChild& operator=(const PidChild&) = delete;

  pid_t pid() const override { return pid_; }
  int stdin_fd() const override { return stdin_fd_; }
  int stdout_fd() const override { return stdout_fd_; }
  int stderr_fd() const override { return stderr_fd_; }
  std::optional<int> returncode() const override { return returncode_; }
  std::optional<int> poll() override;
  int wait() override;
  std::optional<int> wait_for(std::chrono::milliseconds timeout) override;
  std::optional<Communicated> communicate(std::chrono::milliseconds timeout) override;
  void send_signal(int signo) override;

 private:
  pid_t pid_;
  int stdin_fd_, stdout_fd_, stderr_fd_;
  std::optional<int> returncode_;
};

}  // namespace kit
