#include "runtime_host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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

#include "child_wait.hpp"
#include "confined_paths.hpp"
#include "errno_names.hpp"
#include "fdconform_common/signal_names.hpp"
#include "outcome.hpp"
#include "outside_snapshot.hpp"
#include "parent_snapshot.hpp"
#include "protocol_io.hpp"
#include "request.hpp"
#include "resolved_spawn.hpp"
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

// A variable of parent.env whose value names {parent_pid}: the scenario parent set it with its own
// pid, and the runtime, which is the scenario's parent, is to have it with the runtime's.
struct PidDependentVariable {
  std::string name;
  std::string value_template;  // as the scenario wrote it
};

// The variables of `parent.env.set` and `putenv` (the later wins) that name {parent_pid} and still
// hold the value the scenario parent gave them (an unset after them leaves nothing to fix).
std::vector<PidDependentVariable> pid_dependent_environment(const Json& scenario, const PlaceholderValues& placeholders) {
  std::map<std::string, std::string> templates;
  const Json* parent = member(scenario, "parent", "scenario");
  const Json* env = parent ? member(*parent, "env", "scenario.parent") : nullptr;
  if (!env || !env->is_object()) return {};
  for (const char* list : {"set", "putenv"}) {
    const Json* values = member(*env, list, "scenario.parent.env");
    if (!values || !values->is_object()) continue;
    for (const auto& [name, value] : values->items())
      if (value.is_string()) templates[name] = value.get<std::string>();
  }
  std::vector<PidDependentVariable> out;
  for (const auto& [name, text] : templates) {
    if (text.find("{parent_pid}") == std::string::npos) continue;
    const char* now = getenv(name.c_str());
    if (now && substitute_placeholders(text, placeholders) == now) out.push_back({name, text});
  }
  return out;
}

// "NAME=VALUE\0" for each variable, its value with the runtime's pid as {parent_pid}.
std::string pid_dependent_entries(const std::vector<PidDependentVariable>& variables, PlaceholderValues placeholders,
                                  pid_t runtime_pid) {
  placeholders.parent_pid = std::to_string(runtime_pid);
  std::string entries;
  for (const auto& variable : variables) {
    entries += variable.name + "=" + substitute_placeholders(variable.value_template, placeholders);
    entries.push_back('\0');
  }
  return entries;
}

// The snapshot taken before exec as it would be with the runtime's pid in those variables, so the
// start-up comparison does not count the scenario's own environment as the runtime's doing.
void with_runtime_pid_in_environment(Json& snapshot, const std::string& entries) {
  if (!snapshot.contains("env") || !snapshot["env"].is_array()) return;
  for (size_t start = 0; start < entries.size();) {
    const size_t end = entries.find('\0', start);
    const std::string entry = entries.substr(start, end - start);
    const std::string prefix = entry.substr(0, entry.find('=') + 1);
    for (Json& item : snapshot["env"])
      if (item.is_string() && item.get<std::string>().starts_with(prefix)) item = entry;
    start = end + 1;
  }
}

// In the runtime's process between fork and exec (async-signal-safe: plain loops over memory
// allocated before fork): `environment` with each "NAME=VALUE" of `entries` in place of its NAME's entry.
void replace_entries(char** environment, char* entries, size_t length) {
  for (size_t start = 0; start < length;) {
    char* entry = entries + start;
    size_t name_length = 0;
    while (start + name_length < length && entry[name_length] != '=' && entry[name_length] != '\0') ++name_length;
    for (char** slot = environment; *slot; ++slot) {
      size_t i = 0;
      while (i < name_length && (*slot)[i] == entry[i]) ++i;
      if (i == name_length && (*slot)[i] == '=') *slot = entry;
    }
    while (start < length && entries[start] != '\0') ++start;
    ++start;
  }
}

// The start gate needs two fds in a scenario parent that may hold every fd its lowered soft
// RLIMIT_NOFILE allows (spawn-file-actions-with-full-fd-table). Then the pair is made above the
// limit, which is put back at once: the scenario's limit is what the runtime inherits, and exec
// closes both ends.
void open_gate_pipe(int gate[2]) {
  if (pipe2(gate, O_CLOEXEC) == 0) return;
  const int error = errno;
  rlimit limit{};
  if (error == EMFILE && getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (limit.rlim_max == RLIM_INFINITY || limit.rlim_cur + 2 <= limit.rlim_max)) {
    rlimit raised = limit;
    raised.rlim_cur += 2;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      const bool made = pipe2(gate, O_CLOEXEC) == 0;
      setrlimit(RLIMIT_NOFILE, &limit);
      if (made) return;
    }
  }
  throw std::system_error(error, std::generic_category(), "pipe for the runtime's start");
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
// `pid_dependent` variables get their values with that pid in the runtime's environment.
RuntimeRun run_runtime(const RuntimeProgram& runtime, const std::string& request_path, int keep_fd,
                       std::chrono::milliseconds spawn_timeout, const std::vector<int>& carried_fds = {},
                       const std::function<void(pid_t)>& write_request = {},
                       const std::vector<PidDependentVariable>& pid_dependent = {},
                       const PlaceholderValues& placeholders = {}) {
  std::vector<std::string> args = runtime.argv;
  args.push_back("--request=" + request_path);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Room for the variables the observer sends through the gate once the pid is known (a pid has
  // at most 20 digits), and an environment array to put them in: the child cannot allocate.
  size_t entries_capacity = 0;
  for (const auto& variable : pid_dependent) {
    const char* now = getenv(variable.name.c_str());
    size_t names = 0;
    for (size_t at = variable.value_template.find("{parent_pid}"); at != std::string::npos;
         at = variable.value_template.find("{parent_pid}", at + 1))
      ++names;
    entries_capacity += variable.name.size() + 2 + (now ? strlen(now) : 0) + 20 * names;
  }
  std::vector<char> entries(entries_capacity + 1);
  std::vector<char*> environment;
  for (char** entry = environ; *entry; ++entry) environment.push_back(*entry);
  environment.push_back(nullptr);
  int gate[2];
  open_gate_pipe(gate);
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
    size_t length = 0;
    while (length < entries_capacity) {
      const ssize_t n = read(gate[0], entries.data() + length, entries_capacity - length);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      length += static_cast<size_t>(n);
    }
    replace_entries(environment.data(), entries.data(), length);
    for (int fd : carried_fds) fcntl(fd, F_SETFD, 0);
    execve(argv[0], argv.data(), environment.data());
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
  const std::string gate_message = "g" + pid_dependent_entries(pid_dependent, placeholders, pid);
  for (size_t done = 0; done < gate_message.size();) {
    const ssize_t n = write(gate[1], gate_message.data() + done, gate_message.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
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
  // An fd the runtime opened, replaced or closed is its own; a scenario fd whose close-on-exec flag
  // alone it turned over is still the scenario's, declared apart (docs/PROTOCOL.md, hello).
  std::set<int> fds, reflagged;
  for (const auto& [fd, entry] : after) {
    if (before.count(fd) && before[fd] == entry) continue;
    Json was = before.count(fd) ? before[fd] : Json();
    if (!was.is_null() && was.value("cloexec", false) != entry.value("cloexec", false)) {
      was["cloexec"] = entry.value("cloexec", false);
      if (was == entry) {
        reflagged.insert(fd);
        continue;
      }
    }
    fds.insert(fd);
  }
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
  return Json{{"fds", Json(std::vector<int>(fds.begin(), fds.end()))},
              {"signals", signals},
              {"process", process},
              {"reflagged_fds", Json(std::vector<int>(reflagged.begin(), reflagged.end()))}};
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
  if (block.size() != 1) throw RequestError("scenario.spawn: expected exactly one of popen, posix_spawn, posix_spawnp, fork_exec, libc");
  const std::string kind = block.begin().key();
  if (kind != "popen" && kind != "posix_spawn" && kind != "posix_spawnp" && kind != "fork_exec" && kind != "libc")
    throw RequestError(fmt::format("scenario.spawn: expected popen, posix_spawn, posix_spawnp, fork_exec or libc, got \"{}\"", kind));
  const std::string report_path = request.workdir + "/probe.json";
  SpawnContext context{adapter, prepared.resources, placeholders, "--report=" + report_path,
                       std::chrono::milliseconds(request.timeout_ms), request.variant, std::nullopt,
                       scenario_is_confined(request.scenario)};
  check_block_paths(kind, block.begin().value(), context);
  // Resolved once here so that a malformed block is a request error before the runtime starts.
  resolved_block_json(kind, block.begin().value(), context);

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
    Json resolved = resolved_block_json(kind, block.begin().value(), runtime_context);
    write_text(request_path, Json{{"kind", kind}, {"spawn", resolved}, {"outcome", outcome_path},
                                  {"variant", request.variant}, {"close_on_exec", carried}}.dump());
  };

  // parent.env's values that name {parent_pid}: the runtime's own pid in the runtime's environment,
  // and in the snapshot it is compared with at its first stop.
  const std::vector<PidDependentVariable> pid_dependent = pid_dependent_environment(request.scenario, placeholders);
  RuntimeRun run = run_runtime(runtime, request_path, result_channel_fd, context.timeout, carried, write_request,
                               pid_dependent, placeholders);
  if (!run.at_spawn.is_null())
    with_runtime_pid_in_environment(before_exec, pid_dependent_entries(pid_dependent, placeholders, run.at_spawn.value("pid", 0)));
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
