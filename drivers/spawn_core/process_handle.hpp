// spawn_core's Popen object as the kit's child handle: steps call Popen's
// methods on spawn_core::Process itself, so its behaviour is what is observed.
#pragma once

#include <utility>

#include "kit/child_handle.hpp"
#include "spawn_core/process.hpp"
#include "spawn_core/spawn_error.hpp"

namespace spawn_core_driver {

class ProcessHandle final : public kit::ChildHandle {
 public:
  explicit ProcessHandle(spawn_core::Process process) : process_(std::move(process)) {}

  pid_t pid() const override { return process_.pid(); }
  int stdin_fd() const override { return process_.stdin_fd(); }
  int stdout_fd() const override { return process_.stdout_fd(); }
  int stderr_fd() const override { return process_.stderr_fd(); }
  std::optional<int> returncode() const override { return process_.returncode(); }
  std::optional<int> poll() override { return process_.poll(); }
  int wait() override { return process_.wait(); }
  std::optional<int> wait_for(std::chrono::milliseconds timeout) override { return process_.wait_for(timeout); }

  std::optional<kit::Communicated> communicate(std::chrono::milliseconds timeout) override {
    try {
      spawn_core::Communicated output = process_.communicate({}, timeout);
      return kit::Communicated{std::move(output.stdout_data), std::move(output.stderr_data)};
    } catch (const spawn_core::TimeoutExpired&) {
      return std::nullopt;
    } catch (const spawn_core::SpawnError& error) {
      throw kit::CallError(error.error_number());  // a pipe end the scenario closed: OSError EBADF
    }
  }

  void send_signal(int signo) override {
    try {
      process_.send_signal(signo);
    } catch (const spawn_core::SpawnError& error) {
      throw kit::CallError(error.error_number());
    }
  }

 private:
  spawn_core::Process process_;
};

}  // namespace spawn_core_driver
