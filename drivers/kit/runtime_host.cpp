#include "runtime_host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "child_steps.hpp"
#include "child_wait.hpp"
#include "confined_paths.hpp"
#include "errno_names.hpp"
#include "fdconform_common/signal_names.hpp"
#include "outcome.hpp"
#include "outside_snapshot.hpp"
#include "parent_snapshot.hpp"
#include "protocol_io.hpp"
#include "request.hpp"
#include "scenario_parent.hpp"
#include "spawn_from_scenario.hpp"

namespace kit {
namespace {

using Clock = std::chrono::steady_clock;

// How long the runtime may take from exec to its first stop (start-up, reading
// the request) on top of the request's timeout, which bounds the spawn itself.
constexpr std::chrono::milliseconds start_up_grace{10000};
constexpr size_t diagnostics_limit = 4096;

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) throw std::system_error(errno, std::generic_category(), "cannot write " + path);
}

// popen.stdin/stdout/stderr as the adapter gets them: a name, or {"fd": the parent's fd}.
Json resolved_stream(const Json* spec, const std::string& where, const ResourceTable& resources) {
  if (!spec || spec->is_string()) return spec ? *spec : Json("inherit");
  object_at(*spec, where);
  int fd = 0;
  if (const Json* number = member(*spec, "fd", where)) {
    fd = resources.resolve_fd(*number, where + ".fd", true);
    if (fd == -1) return "pipe";
    if (fd == -2) return "stdout";
    if (fd == -3) return "devnull";
  } else if (const Json* resource = member(*spec, "resource", where)) {
    fd = resources.resolve_fd(*resource, where + ".resource");
  } else {
    throw RequestError(fmt::format("{}: expected {{fd: N}} or {{resource: NAME}}", where));
  }
  return Json{{"fd", fd}};
}

// The popen block with everything the scenario parent knows filled in: the
// adapter reads numbers and paths, never resource names or placeholders.
Json resolved_popen(const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn.popen";
  object_at(spec, where);
  Json out = spec;
  bool shell = false;
  if (const Json* v = member(spec, "shell", where)) shell = boolean_at(*v, where + ".shell");
  std::vector<std::string> args = argv_from(spec, where, context.placeholders);
  append_report_argument(args, shell, context.report_argument);
  out["argv"] = args;
  if (const Json* executable = member(spec, "executable", where))
    out["executable"] = substitute_placeholders(string_at(*executable, where + ".executable"), context.placeholders);
  for (const char* stream : {"stdin", "stdout", "stderr"})
    out[stream] = resolved_stream(member(spec, stream, where), fmt::format("{}.{}", where, stream), context.resources);
  if (const Json* pass_fds = member(spec, "pass_fds", where)) {
    Json fds = Json::array();
    for (const Json& item : array_at(*pass_fds, where + ".pass_fds"))
      fds.push_back(context.resources.resolve_fd(item, where + ".pass_fds[]", true));
    out["pass_fds"] = fds;
  }
  if (const Json* cwd = member(spec, "cwd", where)) {
    const std::string text = string_at(*cwd, where + ".cwd");
    auto dir = context.resources.dir_path_of(text);
    out["cwd"] = dir ? *dir : substitute_placeholders(text, context.placeholders);
  }
  if (const Json* env = member(spec, "env", where)) {
    // A list of pairs keeps the scenario's order, which a runtime's mapping type may not.
    Json pairs = Json::array();
    for (const auto& [key, value] : object_at(*env, where + ".env").items())
      pairs.push_back({key, substitute_placeholders(string_at(value, where + ".env." + key), context.placeholders)});
    out["env"] = pairs;
  }
  return out;
}

// One posix_spawn file action with its fds as numbers and its path resolved:
// {"open": {"fd", "path", "flags": [names], "mode": N}}, {"close": fd},
// {"dup2": [source, target]} or {"closefrom": fd}.
Json resolved_file_action(const Json& action, const std::string& where, const SpawnContext& context) {
  auto [kind, spec] = single_entry(action, where, "open, close, dup2, closefrom");
  const std::string here = where + "." + kind;
  if (kind == "open") {
    object_at(spec, here);
    const Json* fd = member(spec, "fd", here);
    const Json* path = member(spec, "path", here);
    if (!fd || !path) throw RequestError(here + ": expected fd and path");
    Json flags = Json::array();
    if (const Json* list = member(spec, "flags", here)) {
      open_flags_from(*list, here + ".flags");  // only to refuse an unknown name here, with its place
      flags = *list;
    }
    unsigned mode = 0644;
    if (const Json* m = member(spec, "mode", here)) mode = octal_at(*m, here + ".mode");
    return Json{{"open", {{"fd", integer_at(*fd, here + ".fd")},
                          {"path", substitute_placeholders(string_at(*path, here + ".path"), context.placeholders)},
                          {"flags", flags},
                          {"mode", mode}}}};
  }
  if (kind == "close" || kind == "closefrom") return Json{{kind, context.resources.resolve_fd(spec, here)}};
  if (kind == "dup2") {
    if (!spec.is_array() || spec.size() != 2) throw RequestError(here + ": expected [source, target]");
    return Json{{"dup2", {context.resources.resolve_fd(spec[0], here + "[0]"),
                          context.resources.resolve_fd(spec[1], here + "[1]")}}};
  }
  throw RequestError(fmt::format("{}: expected open, close, dup2 or closefrom, got \"{}\"", where, kind));
}

// The posix_spawn / posix_spawnp block as the adapter gets it: path and argv
// with placeholders substituted (the probe's report argument last), env as
// ordered pairs or null, file actions resolved; the attributes as given.
Json resolved_posix_spawn(const std::string& kind, const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn." + kind;
  object_at(spec, where);
  Json out = spec;
  std::string path = context.placeholders.probe;
  if (const Json* p = member(spec, "path", where)) path = substitute_placeholders(string_at(*p, where + ".path"), context.placeholders);
  out["path"] = path;
  std::vector<std::string> args = argv_from(spec, where, context.placeholders);
  append_report_argument(args, false, context.report_argument);
  out["argv"] = args;
  out["env"] = nullptr;
  if (const Json* env = member(spec, "env", where)) {
    Json pairs = Json::array();
    for (const auto& [key, value] : object_at(*env, where + ".env").items())
      pairs.push_back({key, substitute_placeholders(string_at(value, where + ".env." + key), context.placeholders)});
    out["env"] = pairs;
  }
  Json actions = Json::array();
  if (const Json* list = member(spec, "file_actions", where)) {
    size_t index = 0;
    for (const Json& action : array_at(*list, where + ".file_actions"))
      actions.push_back(resolved_file_action(action, fmt::format("{}.file_actions[{}]", where, index++), context));
  }
  out["file_actions"] = actions;
  return out;
}

// The spawn block the adapter reads, for every kind the host resolves (fork_exec goes as written).
Json resolved_block(const std::string& kind, const Json& spec, const SpawnContext& context) {
  if (kind == "popen") return resolved_popen(spec, context);
  if (kind == "posix_spawn" || kind == "posix_spawnp") return resolved_posix_spawn(kind, spec, context);
  return spec;
}

// docs/PROTOCOL.md, "Confinement": a path that would leave the workdir is an error even in a
// cell the runtime cannot express, so the host checks every path the block names before the
// adapter is asked (as the kit does for its C adapters).
void check_block_paths(const std::string& kind, const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn." + kind;
  object_at(spec, where);
  if (kind == "popen") {
    if (const Json* list = member(spec, "preexec", where))
      child_steps_from(*list, where + ".preexec", context.resources, true, context.placeholders, context.confined);
    return;
  }
  if (kind == "fork_exec") {
    const Json* list = member(spec, "steps", where);
    if (!list) return;
    Json plain = Json::array();
    size_t index = 0;
    for (const Json& step : array_at(*list, where + ".steps")) {
      const std::string at = fmt::format("{}.steps[{}]", where, index++);
      if (const Json* nested = step.is_object() ? member(step, "spawn", at) : nullptr) {
        const NestedSpawn inner = named_spawn(*nested, at + ".spawn");
        for (const auto& entry : inner.block.items()) check_block_paths(entry.key(), entry.value(), context);
      } else {
        plain.push_back(step);
      }
    }
    child_steps_from(plain, where + ".steps", context.resources, false, context.placeholders, context.confined);
    return;
  }
  const Json* actions = member(spec, "file_actions", where);
  if (!actions) return;
  for (const Json& action : array_at(*actions, where + ".file_actions")) {
    if (!action.is_object() || !action.contains("open") || !action["open"].is_object()) continue;
    if (const Json* path = member(action["open"], "path", where + ".file_actions[].open"))
      check_child_open_path(
          substitute_placeholders(string_at(*path, where + ".file_actions[].open.path"), context.placeholders),
          context.placeholders.workdir, context.confined);
  }
}

std::string text_member(const Json& object, const char* key) {
  const Json* value = object.is_object() && object.contains(key) ? &object[key] : nullptr;
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

// What became of the runtime process the observer started.
struct RuntimeRun {
  Json at_spawn;   // snapshot at the first stop, or null
  Json after;      // snapshot at the second stop, or null
  std::optional<std::string> failure;  // why the run has no outcome (timeout, a crash, no stop)
  bool timed_out = false;
};

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", fdconform_common::signal_name(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

// Whether this runtime sets close-on-exec again on the fds it inherits, so that the scenario's
// non-inheritable fds can be carried through its exec (measured once at start-up, before any
// scenario parent is forked, which inherits the answer).
bool runtime_restores_close_on_exec = false;

// The scenario's close-on-exec fds (the snapshot's, so never the result channel): exec would
// close them, and the runtime's parent is to hold them as the scenario does.
std::vector<int> close_on_exec_fds(const Json& snapshot) {
  std::vector<int> fds;
  for (const Json& entry : snapshot.value("fds", Json::array()))
    if (entry.value("cloexec", false)) fds.push_back(entry.value("fd", -1));
  return fds;
}

// Forks the runtime in the calling process's state (which is the scenario
// parent's), then watches it from outside: a snapshot at each stop, the spawn
// bounded by `spawn_timeout` from the first stop. The observer keeps only
// `keep_fd`: it must hold no end of a pipe the child or the runtime reads.
// `carried_fds` lose close-on-exec in the runtime's process only, so that they
// survive its exec; the runtime sets it again (node at start-up, for every fd
// it inherits), which the first stop's snapshot shows.
// `write_request` is given the runtime's pid before it execs (the runtime process is the
// scenario's parent, so {parent_pid} names it); the request file must exist once it returns.
RuntimeRun run_runtime(const RuntimeProgram& runtime, const std::string& request_path, int keep_fd,
                       std::chrono::milliseconds spawn_timeout, const std::vector<int>& carried_fds = {},
                       const std::function<void(pid_t)>& write_request = {}) {
  std::vector<std::string> args = runtime.argv;
  args.push_back("--request=" + request_path);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe for the runtime's start");
  const pid_t observer = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork for the runtime");
  if (pid == 0) {
    // Not part of the observed state: the runtime must not outlive the scenario parent.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != observer) _exit(127);
    close(gate[1]);
    // Exec only once the observer says the request is written (one byte; EOF alone means it failed).
    char go = 0;
    ssize_t got;
    while ((got = read(gate[0], &go, 1)) < 0 && errno == EINTR) {
    }
    if (got != 1) _exit(127);
    for (int fd : carried_fds) fcntl(fd, F_SETFD, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(gate[0]);
  // The observer waits for its own SIGCHLD, whatever the scenario set (the runtime was forked
  // with the scenario's disposition and keeps it). Before the gate opens: with SIGCHLD still
  // ignored here, a runtime that exits at once would be reaped by the kernel unseen, and the
  // observer would wait for it until the timeout.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &default_action, nullptr);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  try {
    if (write_request) write_request(pid);
  } catch (...) {
    close(gate[1]);
    reap(pid);
    throw;
  }
  (void)!write(gate[1], "g", 1);
  close(gate[1]);
  // The observer: none of the scenario's fds, its own SIGCHLD waited for with a deadline.
  // It is not the scenario's parent (the runtime is), so it takes back root's effective id
  // where the scenario gave only that up (real uid 0, effective nobody): procfs lets no one
  // else read the fd table of a process whose ids differ from the reader's.
  if (getuid() == 0 && geteuid() != 0 && seteuid(0) != 0)
    throw std::system_error(errno, std::generic_category(), "seteuid(0) for the runtime's observer");
  if (keep_fd > 0) close_range(0, static_cast<unsigned>(keep_fd - 1), 0);
  close_range(static_cast<unsigned>(keep_fd + 1), ~0U, 0);
  adopt_orphans();

  RuntimeRun run;
  auto deadline = Clock::now() + spawn_timeout + start_up_grace;
  int stops = 0;
  for (;;) {
    int status = 0;
    const pid_t got = waitpid(pid, &status, WNOHANG | WUNTRACED);
    if (got == pid && WIFSTOPPED(status)) {
      ++stops;
      if (stops == 1) {
        run.at_spawn = take_outside_snapshot(pid, pid);
        deadline = Clock::now() + spawn_timeout;
      } else if (stops == 2) {
        run.after = take_outside_snapshot(pid, pid);
      }
      kill(pid, SIGCONT);
      continue;
    }
    if (got == pid) {
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        run.failure = fmt::format("the runtime's adapter {} {}", args[0], describe_status(status));
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      kill_child_tree(pid);
      reap(pid);
      run.timed_out = true;
      run.failure = timeout_reason(spawn_timeout);
      break;
    }
    timespec wait_for{left.count() / 1000, (left.count() % 1000) * 1000000};
    sigtimedwait(&chld, nullptr, &wait_for);
  }
  reap_adopted_orphans();
  return run;
}

// A close-on-exec fd the runtime did not make close-on-exec again is a parent state this
// runtime cannot hold: its public API has no call that sets the flag on an fd it did not open
// (node marks inherited fds only up to the first gap above fd 15).
std::optional<std::string> close_on_exec_lost(const Json& before_exec, const Json& at_spawn,
                                              const std::vector<int>& carried) {
  std::map<int, Json> now, was;
  for (const Json& entry : at_spawn.value("fds", Json::array())) now[entry.value("fd", -1)] = entry;
  for (const Json& entry : before_exec.value("fds", Json::array())) was[entry.value("fd", -1)] = entry;
  for (int fd : carried) {
    const bool same = now.count(fd) && was.count(fd) && was[fd].value("dev", -1) == now[fd].value("dev", -2) &&
                      was[fd].value("ino", -1) == now[fd].value("ino", -2);
    if (!same || !now[fd].value("cloexec", false))
      return fmt::format("a non-inheritable fd {} in the parent (the runtime left the fd it inherited "
                         "inheritable, and has no call that sets close-on-exec)", fd);
  }
  return std::nullopt;
}

// The outcome member of the result from what the adapter wrote.
Json outcome_from_adapter(const Json& outcome) {
  const std::string kind = text_member(outcome, "kind");
  if (kind == "exited" && outcome.contains("returncode") && outcome["returncode"].is_number_integer())
    return outcome_from_returncode(outcome["returncode"].get<int>());
  if (kind == "signaled") {
    if (auto number = fdconform_common::signal_number(text_member(outcome, "signal"))) return outcome_from_returncode(-*number);
  }
  if (kind == "exception") {
    const int error_number =
        outcome.contains("errno") && outcome["errno"].is_number_integer() ? outcome["errno"].get<int>() : 0;
    std::optional<std::string> filename;
    if (outcome.contains("filename") && outcome["filename"].is_string()) filename = outcome["filename"].get<std::string>();
    return outcome_from_exception(text_member(outcome, "error_class"), error_number, filename,
                                  text_member(outcome, "message"));
  }
  throw std::runtime_error(fmt::format("the runtime's adapter wrote an outcome kit does not know: {}", outcome.dump()));
}

void add_signal_names(std::set<std::string>& names, const Json& list) {
  if (!list.is_array()) return;
  for (const Json& name : list)
    if (name.is_string()) names.insert(name.get<std::string>());
}

std::set<std::string> signal_set(const Json& snapshot, const char* which) {
  std::set<std::string> names;
  if (snapshot.contains("signals") && snapshot["signals"].is_object()) add_signal_names(names, snapshot["signals"][which]);
  return names;
}

// The fd entries that say what the fd is, leaving out the ofd class (which
// numbers the table's fds in order and so shifts when the runtime adds one).
Json fd_identity(const Json& entry) {
  Json identity = entry;
  identity.erase("ofd");
  return identity;
}

}  // namespace

Json runtime_owned_between(const Json& before_exec, const Json& at_spawn) {
  std::map<int, Json> before, after;
  for (const Json& entry : before_exec.value("fds", Json::array())) before[entry.value("fd", -1)] = fd_identity(entry);
  for (const Json& entry : at_spawn.value("fds", Json::array())) after[entry.value("fd", -1)] = fd_identity(entry);
  std::set<int> fds;
  for (const auto& [fd, entry] : after)
    if (!before.count(fd) || before[fd] != entry) fds.insert(fd);
  for (const auto& [fd, entry] : before)
    if (!after.count(fd)) fds.insert(fd);

  std::set<std::string> changed;
  for (const char* which : {"ignored", "caught", "blocked"}) {
    const auto was = signal_set(before_exec, which), is = signal_set(at_spawn, which);
    std::set_symmetric_difference(was.begin(), was.end(), is.begin(), is.end(), std::inserter(changed, changed.end()));
  }
  std::vector<std::string> signals(changed.begin(), changed.end());
  std::sort(signals.begin(), signals.end(), [](const std::string& a, const std::string& b) {
    return fdconform_common::signal_number(a).value_or(0) < fdconform_common::signal_number(b).value_or(0);
  });

  Json process = Json::array();
  for (const auto& [key, value] : at_spawn.items()) {
    if (key == "fds" || key == "signals" || key == "children" || key == "pid" || key == "ppid" || key == "resources") continue;
    if (!before_exec.contains(key) || before_exec[key] != value) process.push_back(key);
  }
  return Json{{"fds", Json(std::vector<int>(fds.begin(), fds.end()))}, {"signals", signals}, {"process", process}};
}

Json replay_in_runtime(const Request& request, const SpawnAdapter& adapter, const RuntimeProgram& runtime,
                       const PreparedParent& prepared, const PlaceholderValues& placeholders, Json before_exec) {
  const std::string& implementation = request.implementation;
  const Json* steps = member(request.scenario, "steps", "scenario");
  if (steps)
    return skip_result(request.scenario_id, implementation,
                       "steps scenarios: the external-runtime host runs single spawns only so far");
  const Json& block = request.scenario.at("spawn");
  object_at(block, "scenario.spawn");
  if (block.size() != 1) throw RequestError("scenario.spawn: expected exactly one of popen, posix_spawn, posix_spawnp, fork_exec");
  const std::string kind = block.begin().key();
  if (kind != "popen" && kind != "posix_spawn" && kind != "posix_spawnp" && kind != "fork_exec")
    throw RequestError(fmt::format("scenario.spawn: expected popen, posix_spawn, posix_spawnp or fork_exec, got \"{}\"", kind));
  const std::string report_path = request.workdir + "/probe.json";
  SpawnContext context{adapter, prepared.resources, placeholders, "--report=" + report_path,
                       std::chrono::milliseconds(request.timeout_ms), request.variant, std::nullopt,
                       scenario_is_confined(request.scenario)};
  check_block_paths(kind, block.begin().value(), context);
  // Resolved once here so that a malformed block is a request error before the runtime starts.
  const Json spawn = resolved_block(kind, block.begin().value(), context);

  const std::vector<int> carried =
      runtime_restores_close_on_exec ? close_on_exec_fds(before_exec) : std::vector<int>();
  const std::string request_path = request.workdir + "/.fdconform-runtime-request.json";
  const std::string outcome_path = request.workdir + "/.fdconform-runtime-outcome.json";
  // Resolved again once the runtime's pid is known: it is the parent whose id {parent_pid} names.
  auto write_request = [&](pid_t runtime_pid) {
    PlaceholderValues runtime_values = placeholders;
    runtime_values.parent_pid = std::to_string(runtime_pid);
    SpawnContext runtime_context = context;
    runtime_context.placeholders = runtime_values;
    Json resolved = kind == "fork_exec" ? spawn : resolved_block(kind, block.begin().value(), runtime_context);
    write_text(request_path, Json{{"kind", kind}, {"spawn", resolved}, {"outcome", outcome_path},
                                  {"variant", request.variant}, {"close_on_exec", carried}}.dump());
  };

  RuntimeRun run = run_runtime(runtime, request_path, result_channel_fd, context.timeout, carried, write_request);
  Json answer = Json::parse(read_text(outcome_path), nullptr, false);
  unlink(request_path.c_str());
  unlink(outcome_path.c_str());
  std::string diagnostics = answer.is_object() ? text_member(answer, "diagnostics") : std::string();

  if (!run.timed_out && answer.is_object() && answer.contains("no_api"))
    return no_api_result(request.scenario_id, implementation, text_member(answer, "no_api"));
  Json result = empty_result(request.scenario_id, implementation);
  if (!run.failure && (!answer.is_object() || !answer.contains("outcome") || run.at_spawn.is_null() || run.after.is_null()))
    run.failure = "the runtime's adapter exited without stopping twice and writing an outcome";
  if (run.failure) {
    // Whatever the runtime printed went to the scenario's fd 2, the parent.stderr file unless the scenario moved it.
    std::string printed = read_text(request.workdir + "/parent.stderr");
    if (printed.size() > diagnostics_limit) printed = printed.substr(printed.size() - diagnostics_limit);
    result["status"] = "error";
    result["reason"] = *run.failure;
    // The adapter is this scenario's parent: its death without an outcome is the harness
    // error docs/PROTOCOL.md names for a scenario parent that dies without a result.
    if (!run.timed_out) result["harness_error"] = *run.failure;
    if (!printed.empty()) result["stderr"] = printed;
    if (!run.at_spawn.is_null()) run.at_spawn["resources"] = resource_map(prepared);
    result["parent"] = run.at_spawn;
    return result;
  }
  if (auto lost = close_on_exec_lost(before_exec, run.at_spawn, carried))
    return no_api_result(request.scenario_id, implementation, *lost);
  run.at_spawn["resources"] = resource_map(prepared);
  result["runtime_owned"] = runtime_owned_between(before_exec, run.at_spawn);
  result["outcome"] = outcome_from_adapter(answer["outcome"]);
  result["parent"] = std::move(run.at_spawn);
  result["parent_after"] = std::move(run.after);
  result["probe"] = read_probe_report(report_path, diagnostics);
  if (const std::string api = text_member(answer, "api"); !api.empty()) result["path_used"] = api;
  if (!diagnostics.empty()) result["stderr"] = diagnostics.substr(0, diagnostics_limit);
  return result;
}

Json measure_runtime_owned(const RuntimeProgram& runtime) {
  char directory[] = "/tmp/fdconform-runtime-XXXXXX";
  if (!mkdtemp(directory)) throw std::system_error(errno, std::generic_category(), "mkdtemp for the start-up measurement");
  const std::string workdir = directory;
  int channel[2];
  if (pipe2(channel, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t parent = fork();
  if (parent < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (parent == 0) {
    // A baseline scenario parent: docs/PROTOCOL.md steps 1-6 for a scenario that asks for nothing.
    std::string text;
    try {
      if (!redirect_standard_fds(workdir, channel[1])) throw std::system_error(errno, std::generic_category(), "parent files");
      apply_baseline_signals();
      const PlaceholderValues placeholders = placeholders_for_this_process("", "", workdir);
      prepare_parent(Json{{"id", "runtime-start-up"}}, "runtime-start-up", workdir, placeholders);
      const Json before_exec = take_parent_snapshot(channel[1]);
      const std::string request_path = workdir + "/request.json";
      write_text(request_path, Json{{"measure", true}, {"outcome", workdir + "/outcome.json"}}.dump());
      RuntimeRun run = run_runtime(runtime, request_path, channel[1], std::chrono::milliseconds(10000));
      if (run.failure) throw std::runtime_error(*run.failure);
      if (run.at_spawn.is_null()) throw std::runtime_error("the runtime's adapter did not stop in --request measure mode");
      // A second start with one non-inheritable fd carried through exec: does the runtime make it
      // close-on-exec again before its spawn call (node does for every fd it inherits)?
      const int marker = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (marker < 0) throw std::system_error(errno, std::generic_category(), "open /dev/null");
      const Json marked = take_parent_snapshot(channel[1]);
      write_text(request_path, Json{{"measure", true}, {"outcome", workdir + "/outcome.json"},
                                    {"close_on_exec", {marker}}}.dump());
      RuntimeRun carried = run_runtime(runtime, request_path, channel[1], std::chrono::milliseconds(10000), {marker});
      if (carried.failure) throw std::runtime_error(*carried.failure);
      if (carried.at_spawn.is_null()) throw std::runtime_error("the runtime's adapter did not stop in --request measure mode");
      const bool restores = !close_on_exec_lost(marked, carried.at_spawn, {marker});
      text = Json{{"runtime_owned", runtime_owned_between(before_exec, run.at_spawn)},
                  {"restores_close_on_exec", restores}}.dump();
    } catch (const std::exception& error) {
      text = Json{{"error", error.what()}}.dump();
    }
    (void)!write(channel[1], text.data(), text.size());
    _exit(0);
  }
  close(channel[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(channel[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(channel[0]);
  reap(parent);
  for (const char* name : {"parent.stdin", "parent.stdout", "parent.stderr", "request.json", "outcome.json"})
    unlink((workdir + "/" + name).c_str());
  rmdir(directory);
  const Json answer = Json::parse(text, nullptr, false);
  if (!answer.is_object()) throw std::runtime_error("measuring the runtime's start-up state gave no answer");
  if (answer.contains("error")) throw std::runtime_error("measuring the runtime's start-up state: " + text_member(answer, "error"));
  runtime_restores_close_on_exec = answer.value("restores_close_on_exec", false);
  return answer["runtime_owned"];
}

Json ask_runtime_hello(const RuntimeProgram& runtime) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  std::vector<std::string> args = runtime.argv;
  args.push_back("--hello");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  const int returncode = reap(pid);
  const Json hello = Json::parse(text, nullptr, false);
  if (returncode != 0 || !hello.is_object())
    throw std::runtime_error(fmt::format("{} --hello (exit {}) did not print the hello's facts as one JSON object",
                                         fmt::join(runtime.argv, " "), returncode));
  return hello;
}

}  // namespace kit
