#include <unistd.h>

#include <cerrno>

#include "child_exec.hpp"
#include "launch.hpp"

namespace spawn_core::detail {

pid_t launch_by_fork(const ChildPlan& plan) noexcept {
  const pid_t pid = fork();
  if (pid == 0) run_child(plan);
  return pid < 0 ? -errno : pid;
}

}  // namespace spawn_core::detail
