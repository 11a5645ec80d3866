// What a Python program does in a fork child before exec: os.set_inheritable,
// os.dup2, os.close, and, as a preexec_fn, signal.signal, raising, os.open or os._exit. The
// fork_exec spawn kind runs them after os.fork; popen runs them as its
// pre-exec hook. Everything is resolved before fork, so running a step makes
// only async-signal-safe calls.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <string>
#include <vector>

#include "json_access.hpp"
#include "placeholders.hpp"
#include "resources.hpp"

namespace kit {

struct ChildStep {
  enum class Kind { set_inheritable, dup2, close, signal, raise, open, exit } kind;
  int fd = -1;        // exit: the status
  int to = -1;        // dup2's target; open's fd to move onto, or -1 to stay where os.open put it
  bool value = true;  // set_inheritable's value, dup2's inheritable, signal: true = SIG_IGN, false = SIG_DFL
  std::string path;   // open: absolute, confined before fork
  int flags = 0;      // open: without O_CLOEXEC, which os.open always adds
  mode_t mode = 0644;
};

// `list` is the scenario's step list at `where`; `hook_steps` allows signal, raise, open and exit
// (preexec only); an open step's path gets `placeholders` and, when `confined`, must stay in the workdir.
std::vector<ChildStep> child_steps_from(const Json& list, const std::string& where, const ResourceTable& resources,
                                        bool hook_steps, const PlaceholderValues& placeholders, bool confined);

// Runs the steps in order; false at the first that fails (a raise always fails). An exit step
// ends the process there with _exit, writing nothing.
bool run_child_steps(const std::vector<ChildStep>& steps) noexcept;

// set_inheritable on an fd: fcntl only.
bool set_fd_inheritable(int fd, bool inheritable) noexcept;
// os.dup2(fd, to, inheritable): the new fd, or -1 with errno. As CPython, a non-inheritable copy comes
// from dup3(O_CLOEXEC), which refuses fd == to with EINVAL; an inheritable one from dup2, which
// leaves an fd duplicated onto itself as it was. Async-signal-safe, like every step here.
int python_dup2(int fd, int to, bool inheritable) noexcept;

}  // namespace kit
