#include "spawn_from_scenario.hpp"

#include <fcntl.h>

#include <fmt/format.h>

#include "adapter.hpp"
#include "child_wait.hpp"
#include "outcome.hpp"

namespace kit {

std::vector<std::string> argv_from(const Json& spec, const std::string& where, const PlaceholderValues& placeholders) {
  const Json* argv = member(spec, "argv", where);
  if (!argv) return {placeholders.probe};
  std::vector<std::string> out;
  if (argv->is_string()) return {substitute_placeholders(argv->get<std::string>(), placeholders)};
  for (const Json& item : array_at(*argv, where + ".argv"))
    out.push_back(substitute_placeholders(string_at(item, where + ".argv[]"), placeholders));
  return out;
}

int open_flags_from(const Json& list, const std::string& where) {
  static const std::pair<const char*, int> names[] = {
      {"rdonly", O_RDONLY}, {"wronly", O_WRONLY}, {"rdwr", O_RDWR},   {"creat", O_CREAT},      {"trunc", O_TRUNC},
      {"append", O_APPEND}, {"cloexec", O_CLOEXEC}, {"excl", O_EXCL}, {"nonblock", O_NONBLOCK}};
  int flags = 0;
  for (const Json& item : array_at(list, where)) {
    std::string name = string_at(item, where + "[]");
    bool known = false;
    for (const auto& [flag_name, value] : names)
      if (name == flag_name) flags |= value, known = true;
    if (!known) throw RequestError(fmt::format("{}: expected rdonly, wronly, rdwr, creat, trunc, append, cloexec, excl or nonblock, got \"{}\"", where, name));
  }
  return flags;
}

namespace {

// One shell word, whatever the workdir's path holds (spaces, quotes, newlines).
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void append_report_argument(std::vector<std::string>& args, bool shell, const std::string& report_argument) {
  if (shell && !args.empty()) args.front() += " " + shell_quoted(report_argument);
  else args.push_back(report_argument);
}

std::string timeout_reason(std::chrono::milliseconds timeout) {
  return fmt::format("timed out: the child was still running after {} ms and was killed", timeout.count());
}

namespace {

bool has_open_pipe(const ChildHandle& process) {
  return process.stdin_fd() >= 0 || process.stdout_fd() >= 0 || process.stderr_fd() >= 0;
}

// A Popen child: like Popen.communicate() while a pipe is open (stdin closed
// at once, stdout and stderr drained), else Popen.wait(). A pipe end a steps
// scenario closed behind Popen's back makes communicate() fail (EBADF); the
// child is still waited for, as the CPython driver does.
SpawnRun finish_popen(ChildHandle& process, std::chrono::milliseconds timeout) {
  SpawnRun run;
  std::optional<int> code;
  bool communicated = false;
  if (has_open_pipe(process)) {
    try {
      if (std::optional<Communicated> output = process.communicate(timeout)) {
        run.diagnostics = output->stdout_data + output->stderr_data;
        code = process.wait();
      }
      communicated = true;
    } catch (const CallError&) {
    }
  }
  if (!communicated) code = process.wait_for(timeout);
  if (code) {
    run.outcome = outcome_from_returncode(*code);
    return run;
  }
  kill_child_tree(process.pid());
  process.wait();
  reap_adopted_orphans();
  run.error = timeout_reason(timeout);
  return run;
}

// A child without a Popen handle (posix_spawn, fork_exec).
SpawnRun finish_pid(pid_t pid, std::chrono::milliseconds timeout) {
  SpawnRun run;
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

}  // namespace

StartedChild start_spawn(const Json& spawn_block, const SpawnContext& context) {
  auto [kind, spec] = single_entry(spawn_block, "scenario.spawn", "popen, posix_spawn, posix_spawnp, fork_exec");
  static const Json no_options = Json::object();
  const Json& options = spec.is_null() ? no_options : object_at(spec, "scenario.spawn." + kind);
  if (kind == "fork_exec") return start_fork_exec(options, context);
  if (kind == "popen" || kind == "posix_spawn" || kind == "posix_spawnp") return context.adapter.start(kind, options, context);
  throw RequestError(fmt::format("scenario.spawn: expected popen, posix_spawn, posix_spawnp or fork_exec, got \"{}\"", kind));
}

SpawnRun finish_spawn(StartedChild& child, std::chrono::milliseconds timeout) {
  SpawnRun run;
  if (child.skip) run.skip = child.skip;
  else if (child.no_api) run.no_api = child.no_api;
  else if (!child.outcome.is_null()) run.outcome = child.outcome;
  else if (child.handle) run = finish_popen(*child.handle, timeout);
  else run = finish_pid(child.pid, timeout);
  run.path_used = child.path_used;
  return run;
}

SpawnRun spawn_from_scenario(const Json& spawn_block, const SpawnContext& context) {
  StartedChild child = start_spawn(spawn_block, context);
  return finish_spawn(child, context.timeout);
}

}  // namespace kit
