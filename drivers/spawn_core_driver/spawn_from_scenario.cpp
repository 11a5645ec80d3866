#include "spawn_from_scenario.hpp"

#include <fmt/format.h>

#include "child_wait.hpp"
#include "outcome.hpp"

namespace driver {

std::vector<std::string> argv_from(const Json& spec, const std::string& where, const PlaceholderValues& placeholders) {
  const Json* argv = member(spec, "argv", where);
  if (!argv) return {placeholders.probe};
  std::vector<std::string> out;
  if (argv->is_string()) return {substitute_placeholders(argv->get<std::string>(), placeholders)};
  for (const Json& item : array_at(*argv, where + ".argv"))
    out.push_back(substitute_placeholders(string_at(item, where + ".argv[]"), placeholders));
  return out;
}

std::string timeout_reason(std::chrono::milliseconds timeout) {
  return fmt::format("timed out: the child was still running after {} ms and was killed", timeout.count());
}

SpawnRun waited_run(pid_t pid, const char* path_used, std::chrono::milliseconds timeout) {
  SpawnRun run;
  run.path_used = path_used;
  if (auto code = wait_with_deadline(pid, timeout)) {
    run.outcome = outcome_from_returncode(*code);
    return run;
  }
  kill_child_tree(pid);
  reap(pid);
  reap_adopted_orphans();
  run.error = timeout_reason(timeout);
  return run;
}

SpawnRun spawn_from_scenario(const Json& spawn_block, const SpawnContext& context) {
  auto [kind, spec] = single_entry(spawn_block, "scenario.spawn", "popen, posix_spawn, posix_spawnp, fork_exec");
  static const Json no_options = Json::object();
  const Json& options = spec.is_null() ? no_options : object_at(spec, "scenario.spawn." + kind);
  if (kind == "popen") return run_popen(options, context);
  if (kind == "posix_spawn") return run_posix_spawn(options, false, context);
  if (kind == "posix_spawnp") return run_posix_spawn(options, true, context);
  if (kind == "fork_exec") return run_fork_exec(options, context);
  throw RequestError(fmt::format("scenario.spawn: expected popen, posix_spawn, posix_spawnp or fork_exec, got \"{}\"", kind));
}

}  // namespace driver
