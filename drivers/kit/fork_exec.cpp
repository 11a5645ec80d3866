// spawn.fork_exec: what a Python program does with os.fork(), then
// os.set_inheritable / os.dup2 / os.close in the child, then os.execv.
// Everything the child needs is resolved before fork; the child itself makes
// only async-signal-safe calls, except where the scenario asks it to spawn
// itself (docs/SCENARIO_FORMAT.md "A spawn from inside the child"): a Python
// child would run Popen there, and this one runs the adapter's spawn, in a
// process with one thread (steps scenarios refuse it inside a together step).
// The same for every adapter: it is what a program does by hand, not a call
// of the implementation under test.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "child_steps.hpp"
#include "outcome.hpp"
#include "spawn_from_scenario.hpp"

namespace kit {
namespace {

// The child's exit statuses when a step raises or execv fails: a Python child
// would die with an uncaught exception; these keep the two cases apart.
constexpr int step_failed_status = 126;
constexpr int exec_failed_status = 127;

// The child's steps up to, between and after its spawns.
struct ChildPlan {
  std::vector<std::vector<ChildStep>> segments;  // one more than nested
  std::vector<NestedSpawn> nested;
};

ChildPlan plan_from(const Json& list, const std::string& where, const SpawnContext& context) {
  ChildPlan plan;
  Json segment = Json::array();
  size_t index = 0;
  for (const Json& step : array_at(list, where)) {
    const std::string at = fmt::format("{}[{}]", where, index++);
    const Json* spawn = step.is_object() ? member(step, "spawn", at) : nullptr;
    if (!spawn) {
      segment.push_back(step);
      continue;
    }
    plan.segments.push_back(
        child_steps_from(segment, where, context.resources, false, context.placeholders, context.confined));
    segment = Json::array();
    plan.nested.push_back(named_spawn(*spawn, at + ".spawn"));
  }
  plan.segments.push_back(
      child_steps_from(segment, where, context.resources, false, context.placeholders, context.confined));
  return plan;
}

// In the forked child: the spawn started and waited for as the single form
// does, and what became of it written whole to nested-NAME.json for the
// scenario parent. False when the record cannot be written.
bool run_nested_spawn(const NestedSpawn& nested, const SpawnContext& outer) {
  const std::string& workdir = outer.placeholders.workdir;
  SpawnContext context = outer;
  context.report_argument = fmt::format("--report={}/probe-{}.json", workdir, nested.name);
  context.extra_fd = std::nullopt;
  Json record{{"pid", nullptr}, {"outcome", nullptr}, {"error", nullptr}};
  try {
    StartedChild child = start_spawn(nested.block, context);
    if (child.pid > 0) record["pid"] = child.pid;
    SpawnRun run = finish_spawn(child, context.timeout);
    if (run.skip) record["error"] = "the request's variant cannot run it: " + *run.skip;
    else if (run.no_api) record["error"] = "no API: " + *run.no_api;
    else if (run.error) record["error"] = *run.error;
    else record["outcome"] = run.outcome;
  } catch (const std::exception& error) {
    record["error"] = error.what();
  }
  const std::string path = nested_record_path(workdir, nested.name);
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << record.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (!out.flush()) return false;
  }
  return std::rename(partial.c_str(), path.c_str()) == 0;
}

[[noreturn]] void run_child(const ChildPlan& plan, const std::vector<char*>& argv, const SpawnContext& context) {
  if (context.extra_fd && !set_fd_inheritable(*context.extra_fd, true)) _exit(step_failed_status);
  for (size_t i = 0; i < plan.segments.size(); ++i) {
    if (!run_child_steps(plan.segments[i])) _exit(step_failed_status);
    if (i < plan.nested.size() && !run_nested_spawn(plan.nested[i], context)) _exit(step_failed_status);
  }
  execv(argv[0], argv.data());
  _exit(exec_failed_status);
}

}  // namespace

StartedChild start_fork_exec(const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn.fork_exec";
  ChildPlan plan;
  if (const Json* list = member(spec, "steps", where)) plan = plan_from(*list, where + ".steps", context);
  else plan.segments.emplace_back();
  std::vector<std::string> argv = argv_from(spec, where, context.placeholders);
  argv.push_back(context.report_argument);
  std::vector<char*> argv_pointers;
  for (auto& arg : argv) argv_pointers.push_back(arg.data());
  argv_pointers.push_back(nullptr);

  StartedChild child;
  const pid_t pid = fork();
  if (pid < 0) {
    child.outcome = outcome_from_errno(errno);
    return child;
  }
  if (pid == 0) run_child(plan, argv_pointers, context);
  child.pid = pid;
  child.path_used = "fork";
  return child;
}

NestedSpawn named_spawn(const Json& block, const std::string& where) {
  NestedSpawn named{"", object_at(block, where)};
  const Json* name = member(named.block, "name", where);
  if (!name) throw RequestError(where + ": expected a name");
  named.name = string_at(*name, where + ".name");
  named.block.erase("name");
  return named;
}

std::vector<NestedSpawn> nested_spawns_of(const Json& spawn_block) {
  std::vector<NestedSpawn> found;
  const Json* fork_exec = spawn_block.is_object() && spawn_block.contains("fork_exec") ? &spawn_block["fork_exec"] : nullptr;
  if (!fork_exec || !fork_exec->is_object() || !fork_exec->contains("steps") || !(*fork_exec)["steps"].is_array())
    return found;
  for (const Json& step : (*fork_exec)["steps"]) {
    if (!step.is_object() || !step.contains("spawn") || !step["spawn"].is_object()) continue;
    found.push_back(named_spawn(step["spawn"], "scenario.steps[].spawn.fork_exec.steps[].spawn"));
  }
  return found;
}

std::string nested_record_path(const std::string& workdir, const std::string& name) {
  return fmt::format("{}/nested-{}.json", workdir, name);
}

}  // namespace kit
