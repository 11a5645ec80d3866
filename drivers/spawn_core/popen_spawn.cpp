// spawn.popen: a spawn_core::Command built from the scenario, spawned on the
// request's path, waited for like Popen.wait() or Popen.communicate().
#include <fmt/format.h>

#include "kit/child_steps.hpp"
#include "process_handle.hpp"
#include "spawn_core/spawn.hpp"
#include "spawn_core_adapter.hpp"

namespace spawn_core_driver {

using namespace kit;

namespace {

using spawn_core::Stdio;

Stdio stdio_from(const Json* spec, const std::string& where, const ResourceTable& resources) {
  if (!spec) return Stdio::inherit();
  if (spec->is_string()) {
    std::string name = spec->get<std::string>();
    if (name == "inherit") return Stdio::inherit();
    if (name == "pipe") return Stdio::pipe();
    if (name == "devnull") return Stdio::devnull();
    if (name == "stdout") return Stdio::to_stdout();  // spawn_core raises CPython's errors for stdin and stdout
    throw RequestError(
        fmt::format("{}: expected inherit, pipe, devnull, stdout, {{fd: N}} or {{resource: NAME}}, got \"{}\"", where, name));
  }
  object_at(*spec, where);
  if (const Json* fd = member(*spec, "fd", where)) {
    // The int a Python caller passes: -1, -2 and -3 are subprocess.PIPE, STDOUT and DEVNULL.
    const int n = resources.resolve_fd(*fd, where + ".fd", true);
    if (n == -1) return Stdio::pipe();
    if (n == -2) return Stdio::to_stdout();
    if (n == -3) return Stdio::devnull();
    return Stdio::from_fd(n);
  }
  if (const Json* name = member(*spec, "resource", where)) {
    string_at(*name, where + ".resource");
    return Stdio::from_fd(resources.resolve_fd(*name, where + ".resource"));
  }
  throw RequestError(fmt::format("{}: expected {{fd: N}} or {{resource: NAME}}", where));
}

// A user or group as the scenario wrote it: any 64-bit number (those no uid_t/gid_t holds on purpose:
// spawn_core refuses them as CPython's Popen does) or a name.
std::variant<long long, std::string> id_or_name(const Json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  return integer_at(value, where);
}

int umask_from(const Json& value, const std::string& where) {
  if (value.is_string()) return static_cast<int>(octal_at(value, where));
  long long n = integer_at(value, where);
  if (n != -1) throw RequestError(fmt::format("{}: expected -1 or an octal string such as \"077\", got {}", where, n));
  return -1;
}

spawn_core::Command command_from(const Json& spec, const SpawnContext& context, spawn_core::SpawnPath path) {
  const std::string where = "scenario.spawn.popen";
  const PlaceholderValues& values = context.placeholders;
  spawn_core::Command command;
  if (const Json* shell = member(spec, "shell", where)) command.shell = boolean_at(*shell, where + ".shell");
  command.args = argv_from(spec, where, values);
  append_report_argument(command.args, command.shell, context.report_argument);
  if (const Json* executable = member(spec, "executable", where))
    command.executable = substitute_placeholders(string_at(*executable, where + ".executable"), values);

  command.stdin_stream = stdio_from(member(spec, "stdin", where), where + ".stdin", context.resources);
  command.stdout_stream = stdio_from(member(spec, "stdout", where), where + ".stdout", context.resources);
  command.stderr_stream = stdio_from(member(spec, "stderr", where), where + ".stderr", context.resources);

  if (const Json* close_fds = member(spec, "close_fds", where)) command.close_fds = boolean_at(*close_fds, where + ".close_fds");
  if (const Json* pass_fds = member(spec, "pass_fds", where))
    for (const Json& item : array_at(*pass_fds, where + ".pass_fds"))
      command.pass_fds.push_back(context.resources.resolve_fd(item, where + ".pass_fds[]", true));
  if (context.extra_fd) command.pass_fds.push_back(*context.extra_fd);

  if (const Json* cwd = member(spec, "cwd", where)) {
    std::string text = string_at(*cwd, where + ".cwd");
    auto dir = context.resources.dir_path_of(text);
    command.cwd = dir ? *dir : substitute_placeholders(text, values);
  }
  if (const Json* env = member(spec, "env", where)) {
    spawn_core::EnvList list;
    for (const auto& [key, value] : object_at(*env, where + ".env").items())
      list.emplace_back(key, substitute_placeholders(string_at(value, where + ".env." + key), values));
    command.env = std::move(list);
  }
  if (const Json* v = member(spec, "restore_signals", where)) command.restore_signals = truth_value_at(*v, where + ".restore_signals");
  if (const Json* v = member(spec, "start_new_session", where)) command.start_new_session = truth_value_at(*v, where + ".start_new_session");
  // Any 64-bit number: spawn_core converts it to a C int as CPython 3.13 does (OverflowError outside).
  if (const Json* v = member(spec, "process_group", where)) command.process_group = integer_at(*v, where + ".process_group");
  if (const Json* v = member(spec, "user", where)) command.user = id_or_name(*v, where + ".user");
  if (const Json* v = member(spec, "group", where)) command.group = id_or_name(*v, where + ".group");
  if (const Json* v = member(spec, "extra_groups", where)) {
    std::vector<spawn_core::GroupSpec> groups;
    for (const Json& item : array_at(*v, where + ".extra_groups")) groups.push_back(id_or_name(item, where + ".extra_groups[]"));
    command.extra_groups = std::move(groups);
  }
  if (const Json* v = member(spec, "umask", where)) command.umask = umask_from(*v, where + ".umask");
  if (const Json* v = member(spec, "pipesize", where)) {
    long long size = integer_at(*v, where + ".pipesize");
    if (size > INT32_MAX) throw RequestError(fmt::format("{}.pipesize: {} is out of range", where, size));
    command.pipesize = size < 0 ? -1 : static_cast<int>(size);
  }
  if (const Json* v = member(spec, "close_strategy", where)) {
    const std::string strategy = string_at(*v, where + ".close_strategy");
    if (strategy == "close_range") command.close_strategy = spawn_core::CloseStrategy::close_range;
    else if (strategy == "proc_self_fd") command.close_strategy = spawn_core::CloseStrategy::proc_self_fd;
    else if (strategy == "brute_force") command.close_strategy = spawn_core::CloseStrategy::brute_force;
    else
      throw RequestError(fmt::format("{}.close_strategy: expected close_range, proc_self_fd or brute_force, got \"{}\"",
                                     where, strategy));
  }
  command.path = path;
  return command;
}

// The scenario's preexec steps as spawn_core's pre-exec hook: run in the fork
// child, async-signal-safe calls only; a failing step fails the hook, which
// the parent sees as CPython's "Exception occurred in preexec_fn.".
int run_preexec_steps(void* context) {
  return run_child_steps(*static_cast<const std::vector<ChildStep>*>(context)) ? 0 : 1;
}

// A forced spawn path that cannot run this command (an option it has no way to honour).
std::optional<std::string> path_skip_reason(const spawn_core::Command& command) {
  if (command.path == spawn_core::SpawnPath::automatic) return std::nullopt;
  std::string why = spawn_core::path_ineligibility(command, command.path);
  if (why.empty()) return std::nullopt;
  return fmt::format("spawn path {} cannot run this scenario: {}", path_name(command.path), why);
}

}  // namespace

std::optional<std::string> popen_skip_reason(const Json& spec, const SpawnContext& context, spawn_core::SpawnPath path) {
  spawn_core::Command command = command_from(spec, context, path);
  if (member(spec, "preexec", "scenario.spawn.popen")) command.pre_exec = {run_preexec_steps, nullptr};
  return path_skip_reason(command);
}

StartedChild start_popen(const Json& spec, const SpawnContext& context, spawn_core::SpawnPath path) {
  StartedChild child;
  spawn_core::Command command = command_from(spec, context, path);
  const std::string where = "scenario.spawn.popen";
  std::vector<ChildStep> preexec_steps;  // outlives the spawn: the hook reads it in the child
  if (const Json* list = member(spec, "preexec", where)) {
    preexec_steps =
        child_steps_from(*list, where + ".preexec", context.resources, true, context.placeholders, context.confined);
    command.pre_exec = {run_preexec_steps, &preexec_steps};
  }
  if ((child.skip = path_skip_reason(command))) return child;
  try {
    spawn_core::Process process = spawn_core::spawn(command);
    child.pid = process.pid();
    child.path_used = path_name(process.path_used());
    child.handle = std::make_unique<ProcessHandle>(std::move(process));
  } catch (const spawn_core::SpawnError& error) {
    // Some ineligibility shows only once the pipes exist (one landed on fd 0..2).
    if (error.step() == spawn_core::FailedStep::path_not_eligible) child.skip = error.what();
    else child.outcome = outcome_from_error(error);
    return child;
  }
  return child;
}

}  // namespace spawn_core_driver
