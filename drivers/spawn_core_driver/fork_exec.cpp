// spawn.fork_exec: what a Python program does with os.fork(), then
// os.set_inheritable / os.dup2 / os.close in the child, then os.execv.
// Everything the child needs is resolved before fork; the child itself makes
// only async-signal-safe calls.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "outcome.hpp"
#include "spawn_core/spawn_error.hpp"
#include "spawn_from_scenario.hpp"

namespace driver {
namespace {

// The child's exit statuses when a step raises or execv fails: a Python child
// would die with an uncaught exception; these keep the two cases apart.
constexpr int step_failed_status = 126;
constexpr int exec_failed_status = 127;

struct Step {
  enum class Kind { set_inheritable, dup2, close } kind;
  int fd = -1;
  int to = -1;
  bool value = true;  // set_inheritable's value, dup2's inheritable
};

std::vector<Step> steps_from(const Json& spec, const std::string& where, const ResourceTable& resources) {
  std::vector<Step> steps;
  const Json* list = member(spec, "steps", where);
  if (!list) return steps;
  size_t index = 0;
  for (const Json& item : array_at(*list, where + ".steps")) {
    const std::string at = fmt::format("{}.steps[{}]", where, index++);
    auto [kind, body] = single_entry(item, at, "set_inheritable, dup2, close");
    const std::string here = at + "." + kind;
    Step step{};
    if (kind == "set_inheritable") {
      const Json* fd = member(object_at(body, here), "fd", here);
      const Json* value = member(body, "value", here);
      if (!fd || !value) throw RequestError(here + ": expected fd and value");
      step = {Step::Kind::set_inheritable, resources.resolve_fd(*fd, here + ".fd"), -1, boolean_at(*value, here + ".value")};
    } else if (kind == "dup2") {
      const Json* fd = member(object_at(body, here), "fd", here);
      const Json* to = member(body, "to", here);
      if (!fd || !to) throw RequestError(here + ": expected fd and to");
      bool inheritable = true;  // os.dup2's default
      if (const Json* v = member(body, "inheritable", here)) inheritable = boolean_at(*v, here + ".inheritable");
      step = {Step::Kind::dup2, resources.resolve_fd(*fd, here + ".fd"), resources.resolve_fd(*to, here + ".to"), inheritable};
    } else if (kind == "close") {
      step = {Step::Kind::close, resources.resolve_fd(body, here), -1, true};
    } else {
      throw RequestError(fmt::format("{}: expected set_inheritable, dup2 or close, got \"{}\"", at, kind));
    }
    steps.push_back(step);
  }
  return steps;
}

bool set_inheritable(int fd, bool inheritable) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return false;
  int wanted = inheritable ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC);
  return wanted == flags || fcntl(fd, F_SETFD, wanted) == 0;
}

// os.dup2: inheritable=True is a plain dup2 (dup2(fd, fd) leaves the flag as it
// was); inheritable=False is dup3 with O_CLOEXEC, which refuses fd == to (EINVAL).
bool python_dup2(int fd, int to, bool inheritable) {
  return (inheritable ? dup2(fd, to) : dup3(fd, to, O_CLOEXEC)) >= 0;
}

[[noreturn]] void run_child(const std::vector<Step>& steps, const std::vector<char*>& argv, std::optional<int> extra_fd) {
  if (extra_fd && !set_inheritable(*extra_fd, true)) _exit(step_failed_status);
  for (const Step& step : steps) {
    bool ok = true;
    switch (step.kind) {
      case Step::Kind::set_inheritable: ok = set_inheritable(step.fd, step.value); break;
      case Step::Kind::dup2: ok = python_dup2(step.fd, step.to, step.value); break;
      case Step::Kind::close: ok = close(step.fd) == 0 || errno == EINTR; break;
    }
    if (!ok) _exit(step_failed_status);
  }
  execv(argv[0], argv.data());
  _exit(exec_failed_status);
}

}  // namespace

SpawnRun run_fork_exec(const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn.fork_exec";
  std::vector<Step> steps = steps_from(spec, where, context.resources);
  std::vector<std::string> argv = argv_from(spec, where, context.placeholders);
  argv.push_back(context.report_argument);
  std::vector<char*> argv_pointers;
  for (auto& arg : argv) argv_pointers.push_back(arg.data());
  argv_pointers.push_back(nullptr);

  SpawnRun run;
  pid_t pid = fork();
  if (pid < 0) {
    run.outcome = outcome_from_error(spawn_core::SpawnError(spawn_core::FailedStep::parent, errno, std::nullopt));
    return run;
  }
  if (pid == 0) run_child(steps, argv_pointers, context.extra_fd);
  return waited_run(pid, "fork", context.timeout);
}

}  // namespace driver
