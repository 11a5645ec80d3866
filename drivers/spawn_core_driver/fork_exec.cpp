// spawn.fork_exec: what a Python program does with os.fork(), then
// os.set_inheritable / os.dup2 / os.close in the child, then os.execv.
// Everything the child needs is resolved before fork; the child itself makes
// only async-signal-safe calls.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "child_steps.hpp"
#include "outcome.hpp"
#include "spawn_core/spawn_error.hpp"
#include "spawn_from_scenario.hpp"

namespace driver {
namespace {

// The child's exit statuses when a step raises or execv fails: a Python child
// would die with an uncaught exception; these keep the two cases apart.
constexpr int step_failed_status = 126;
constexpr int exec_failed_status = 127;

[[noreturn]] void run_child(const std::vector<ChildStep>& steps, const std::vector<char*>& argv,
                            std::optional<int> extra_fd) {
  if (extra_fd && !set_fd_inheritable(*extra_fd, true)) _exit(step_failed_status);
  if (!run_child_steps(steps)) _exit(step_failed_status);
  execv(argv[0], argv.data());
  _exit(exec_failed_status);
}

}  // namespace

StartedChild start_fork_exec(const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn.fork_exec";
  std::vector<ChildStep> steps;
  if (const Json* list = member(spec, "steps", where))
    steps = child_steps_from(*list, where + ".steps", context.resources, false, context.placeholders, context.confined);
  std::vector<std::string> argv = argv_from(spec, where, context.placeholders);
  argv.push_back(context.report_argument);
  std::vector<char*> argv_pointers;
  for (auto& arg : argv) argv_pointers.push_back(arg.data());
  argv_pointers.push_back(nullptr);

  StartedChild child;
  const pid_t pid = fork();
  if (pid < 0) {
    child.outcome = outcome_from_error(spawn_core::SpawnError(spawn_core::FailedStep::parent, errno, std::nullopt));
    return child;
  }
  if (pid == 0) run_child(steps, argv_pointers, context.extra_fd);
  child.pid = pid;
  child.path_used = "fork";
  return child;
}

}  // namespace driver
