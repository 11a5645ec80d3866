// What a Python program does in a fork child before exec: os.set_inheritable,
// os.dup2, os.close, and, as a preexec_fn, signal.signal or raising. The
// fork_exec spawn kind runs them after os.fork; popen runs them as its
// pre-exec hook. Everything is resolved before fork, so running a step makes
// only async-signal-safe calls.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "json_access.hpp"
#include "resources.hpp"

namespace driver {

struct ChildStep {
  enum class Kind { set_inheritable, dup2, close, signal, raise } kind;
  int fd = -1;
  int to = -1;
  bool value = true;  // set_inheritable's value, dup2's inheritable, signal: true = SIG_IGN, false = SIG_DFL
};

// `list` is the scenario's step list at `where`; `hook_steps` allows signal and raise (preexec only).
std::vector<ChildStep> child_steps_from(const Json& list, const std::string& where, const ResourceTable& resources,
                                        bool hook_steps);

// Runs the steps in order; false at the first that fails (a raise always fails).
bool run_child_steps(const std::vector<ChildStep>& steps) noexcept;

// set_inheritable on an fd: fcntl only.
bool set_fd_inheritable(int fd, bool inheritable) noexcept;

}  // namespace driver
