// spawn.posix_spawn / spawn.posix_spawnp: spawn_core's os.posix_spawn
// equivalent with the scenario's file actions and attributes.
#include <fcntl.h>
#include <sched.h>

#include <fmt/format.h>

#include "fdconform_common/signal_names.hpp"
#include "kit/resolved_spawn.hpp"
#include "spawn_core/posix_spawn.hpp"
#include "spawn_core/spawn_error.hpp"
#include "spawn_core_adapter.hpp"

namespace spawn_core_driver {

using namespace kit;

namespace {


// The kit's resolved file action (resource names as fds, the path confined) as spawn_core's.
spawn_core::FileAction file_action_from(const FileActionSpec& action) {
  switch (action.kind) {
    case FileActionSpec::Kind::open: return spawn_core::FileOpen{action.fd, action.path, action.flags, action.mode};
    case FileActionSpec::Kind::close: return spawn_core::FileClose{action.fd};
    case FileActionSpec::Kind::dup2: return spawn_core::FileDup2{action.fd, action.to};
    case FileActionSpec::Kind::closefrom: return spawn_core::FileCloseFrom{action.fd};
  }
  throw RequestError("unknown file action");
}

std::vector<int> signals_from(const Json& list, const std::string& where) {
  std::vector<int> numbers;
  for (const Json& item : array_at(list, where)) {
    if (item.is_number()) {
      const long long number = integer_at(item, where + "[]");
      if (number < INT32_MIN || number > INT32_MAX) throw RequestError(fmt::format("{}: {} is out of range", where, number));
      numbers.push_back(static_cast<int>(number));
      continue;
    }
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
  PosixSpawnSpec resolved = resolve_posix_spawn(search_path ? "posix_spawnp" : "posix_spawn", spec, context);
  const std::optional<spawn_core::EnvList>& env = resolved.env;

  spawn_core::PosixSpawnOptions options;
  // deviate extra_fd: dup2(fd, fd) clears close-on-exec in the child; first, so no later action can close it.
  if (context.extra_fd) options.file_actions.push_back(spawn_core::FileDup2{*context.extra_fd, *context.extra_fd});
  for (const FileActionSpec& action : resolved.file_actions) options.file_actions.push_back(file_action_from(action));
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
    child.pid = search_path ? spawn_core::posix_spawnp(resolved.path, resolved.argv, env, options)
                            : spawn_core::posix_spawn(resolved.path, resolved.argv, env, options);
    child.path_used = "posix_spawn";
  } catch (const spawn_core::SpawnError& error) {
    child.outcome = outcome_from_error(error);
  }
  return child;
}

}  // namespace spawn_core_driver
