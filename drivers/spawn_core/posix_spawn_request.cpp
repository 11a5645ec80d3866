// spawn.posix_spawn / spawn.posix_spawnp: spawn_core's os.posix_spawn
// equivalent with the scenario's file actions and attributes.
#include <fcntl.h>
#include <sched.h>

#include <fmt/format.h>

#include "fdconform_common/signal_names.hpp"
#include "kit/confined_paths.hpp"
#include "spawn_core/posix_spawn.hpp"
#include "spawn_core/spawn_error.hpp"
#include "spawn_core_adapter.hpp"

namespace spawn_core_driver {

using namespace kit;

namespace {


spawn_core::FileAction file_action_from(const Json& action, const std::string& where, const SpawnContext& context) {
  auto [kind, spec] = single_entry(action, where, "open, close, dup2, closefrom");
  const std::string here = where + "." + kind;
  if (kind == "open") {
    object_at(spec, here);
    const Json* fd = member(spec, "fd", here);
    const Json* path = member(spec, "path", here);
    if (!fd || !path) throw RequestError(here + ": expected fd and path");
    int oflag = 0;
    if (const Json* flags = member(spec, "flags", here)) oflag = open_flags_from(*flags, here + ".flags");
    mode_t mode = 0644;
    if (const Json* m = member(spec, "mode", here)) mode = octal_at(*m, here + ".mode");
    std::string opened = substitute_placeholders(string_at(*path, here + ".path"), context.placeholders);
    check_child_open_path(opened, context.placeholders.workdir, context.confined);
    return spawn_core::FileOpen{static_cast<int>(integer_at(*fd, here + ".fd")), std::move(opened), oflag, mode};
  }
  if (kind == "close") return spawn_core::FileClose{context.resources.resolve_fd(spec, here)};
  if (kind == "dup2") {
    if (!spec.is_array() || spec.size() != 2) throw RequestError(here + ": expected [source, target]");
    return spawn_core::FileDup2{context.resources.resolve_fd(spec[0], here + "[0]"),
                                context.resources.resolve_fd(spec[1], here + "[1]")};
  }
  if (kind == "closefrom") return spawn_core::FileCloseFrom{context.resources.resolve_fd(spec, here)};
  throw RequestError(fmt::format("{}: expected open, close, dup2 or closefrom, got \"{}\"", where, kind));
}

std::vector<int> signals_from(const Json& list, const std::string& where) {
  std::vector<int> numbers;
  for (const Json& item : array_at(list, where)) {
    std::string name = string_at(item, where + "[]");
    auto number = fdconform_common::signal_number(name);
    if (!number) throw RequestError(fmt::format("{}: \"{}\" is not a signal name", where, name));
    numbers.push_back(*number);
  }
  return numbers;
}

int scheduler_policy(const Json& value, const std::string& where) {
  const std::string name = string_at(value, where);
  if (name == "SCHED_OTHER") return SCHED_OTHER;
  if (name == "SCHED_BATCH") return SCHED_BATCH;
  if (name == "SCHED_IDLE") return SCHED_IDLE;
  if (name == "SCHED_FIFO") return SCHED_FIFO;
  if (name == "SCHED_RR") return SCHED_RR;
  throw RequestError(fmt::format("{}: expected SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO or SCHED_RR, got \"{}\"",
                                 where, name));
}

}  // namespace

StartedChild start_posix_spawn(const Json& spec, bool search_path, const SpawnContext& context) {
  const std::string where = search_path ? "scenario.spawn.posix_spawnp" : "scenario.spawn.posix_spawn";
  std::string path = context.placeholders.probe;
  if (const Json* p = member(spec, "path", where)) path = substitute_placeholders(string_at(*p, where + ".path"), context.placeholders);
  std::vector<std::string> argv = argv_from(spec, where, context.placeholders);
  argv.push_back(context.report_argument);

  std::optional<spawn_core::EnvList> env;
  if (const Json* e = member(spec, "env", where)) {
    spawn_core::EnvList list;
    for (const auto& [key, value] : object_at(*e, where + ".env").items())
      list.emplace_back(key, substitute_placeholders(string_at(value, where + ".env." + key), context.placeholders));
    env = std::move(list);
  }

  spawn_core::PosixSpawnOptions options;
  // deviate extra_fd: dup2(fd, fd) clears close-on-exec in the child; first, so no later action can close it.
  if (context.extra_fd) options.file_actions.push_back(spawn_core::FileDup2{*context.extra_fd, *context.extra_fd});
  if (const Json* actions = member(spec, "file_actions", where)) {
    size_t index = 0;
    for (const Json& action : array_at(*actions, where + ".file_actions"))
      options.file_actions.push_back(file_action_from(action, fmt::format("{}.file_actions[{}]", where, index++), context));
  }
  if (const Json* v = member(spec, "setpgroup", where)) options.setpgroup = static_cast<pid_t>(integer_at(*v, where + ".setpgroup"));
  if (const Json* v = member(spec, "resetids", where)) options.resetids = truth_value_at(*v, where + ".resetids");
  if (const Json* v = member(spec, "setsid", where)) options.setsid = truth_value_at(*v, where + ".setsid");
  if (const Json* v = member(spec, "setsigmask", where)) options.setsigmask = signals_from(*v, where + ".setsigmask");
  if (const Json* v = member(spec, "setsigdef", where)) options.setsigdef = signals_from(*v, where + ".setsigdef");
  if (const Json* v = member(spec, "scheduler", where)) {
    const std::string here = where + ".scheduler";
    object_at(*v, here);
    // spawn_core takes a policy and a priority: a tuple of another length cannot be written.
    if (const Json* length = member(*v, "tuple_length", here); length && integer_at(*length, here + ".tuple_length") != 2)
      return StartedChild{.skip = "spawn_core's scheduler option is a policy and a priority: a scheduler tuple of "
                                  "another length cannot be passed to it"};
    spawn_core::SchedulerSpec scheduler;
    if (const Json* policy = member(*v, "policy", here)) scheduler.policy = scheduler_policy(*policy, here + ".policy");
    if (const Json* priority = member(*v, "priority", here))
      scheduler.priority = static_cast<int>(integer_at(*priority, here + ".priority"));
    options.scheduler = scheduler;
  }

  StartedChild child;
  try {
    child.pid = search_path ? spawn_core::posix_spawnp(path, argv, env, options) : spawn_core::posix_spawn(path, argv, env, options);
    child.path_used = "posix_spawn";
  } catch (const spawn_core::SpawnError& error) {
    child.outcome = outcome_from_error(error);
  }
  return child;
}

}  // namespace spawn_core_driver
