#include "normalize/normalizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "normalize/fd_identity.hpp"
#include "fdconform_common/signal_names.hpp"

namespace fdconform {
namespace {

// The driver's result channel (docs/PROTOCOL.md): present in parent snapshots, never a scenario's business.
constexpr long long result_channel_fd = 1023;

const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

std::string text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

std::string joined(const nlohmann::json& list, const char* separator, const PathSubstitution* paths = nullptr) {
  std::string out;
  if (!list.is_array()) return out;
  bool first = true;
  for (const auto& item : list) {
    if (!first) out += separator;
    first = false;
    out += paths ? paths->apply(text(item)) : text(item);
  }
  return out;
}

// Status flags in one fixed order, whatever order the reporter used.
std::string fd_flags(const nlohmann::json& entry) {
  static const std::vector<std::string> order = {"append", "nonblock", "sync", "dsync", "direct", "noatime"};
  std::vector<std::string> flags;
  for (const auto& f : member(entry, "flags"))
    if (f.is_string() && f.get<std::string>() != "largefile") flags.push_back(f.get<std::string>());
  std::sort(flags.begin(), flags.end(), [&](const std::string& a, const std::string& b) {
    auto ia = std::find(order.begin(), order.end(), a) - order.begin();
    auto ib = std::find(order.begin(), order.end(), b) - order.begin();
    return ia != ib ? ia < ib : a < b;
  });
  std::string out;
  for (const auto& f : flags) out += " " + f;
  if (member(entry, "cloexec") == true) out += " cloexec";
  return out;
}

std::vector<nlohmann::json> sorted_fds(const nlohmann::json& snapshot) {
  std::vector<nlohmann::json> fds;
  const auto& list = member(snapshot, "fds");
  if (!list.is_array()) throw std::runtime_error("snapshot without an \"fds\" list");
  for (const auto& e : list) {
    if (fd_number(e) < 0) throw std::runtime_error("fd entry without a number");
    fds.push_back(e);
  }
  std::sort(fds.begin(), fds.end(), [](const auto& a, const auto& b) { return fd_number(a) < fd_number(b); });
  return fds;
}

// How add_fd_table names an fd: by the parent's fd number (the parent's own
// table, where numbers are what resources were given) or by identity (a
// child's table, or the parent's after the spawn, where numbers may move).
enum class FdNaming { by_parent_fd, by_identity };

// The fd table of a snapshot as fields under `prefix` ("child", "parent", "parent_after").
void add_fd_table(Observation& out, const std::string& prefix, const nlohmann::json& snapshot, const FdNamer& namer,
                  FdNaming naming, const PathSubstitution& paths) {
  const bool name_by_parent_fd = naming == FdNaming::by_parent_fd;
  auto fds = sorted_fds(snapshot);
  std::vector<std::string> numbers;
  std::map<std::string, long long> first_fd_of_ofd;
  for (const auto& e : fds) {
    long long fd = fd_number(e);
    std::string name = name_by_parent_fd ? namer.parent_name(fd) : namer.name_of(e);
    if (prefix.starts_with("parent") && fd == result_channel_fd && name.starts_with("unknown:")) continue;
    numbers.push_back(std::to_string(fd));
    std::string key = fmt::format("{}.fd.{}", prefix, fd);
    out[key] = name + " " + text(member(e, "access")) + fd_flags(e);
    // The offset of a file of the scenario's: a resource, or one a step or file action made in the
    // workdir. A file from elsewhere (a runtime's own script or library, left on a low fd) sits where
    // that runtime stopped reading it: a size of someone else's file, not a property of the spawn.
    const bool scenario_file =
        !name.starts_with("unknown:") || paths.apply(text(member(e, "path"))).starts_with("{workdir}/");
    if (member(e, "kind") == "file" && member(e, "offset").is_number_integer() && scenario_file)
      out[key + ".offset"] = std::to_string(member(e, "offset").get<long long>());
    // A pipe's capacity is what `pipesize` changes, and a child sharing the
    // pipe sees it: without this field a pipesize that was silently ignored
    // would compare equal.
    if (member(e, "pipe_size").is_number_integer())
      out[key + ".pipe_size"] = std::to_string(member(e, "pipe_size").get<long long>());
    const auto& ofd = member(e, "ofd");
    if (!ofd.is_null()) {
      auto [it, inserted] = first_fd_of_ofd.emplace(ofd.dump(), fd);
      if (!inserted) out[key + ".shares"] = fmt::format("fd.{}", it->second);
    }
  }
  out[prefix + ".fds"] = fmt::format("{}", fmt::join(numbers, ","));
}

// glibc reserves signals 32 and 33 for itself; its posix_spawn child leaves
// them ignored across exec, fork and vfork do not. That is a property of the
// spawn mechanism rather than of the program's own signals, so it gets a
// field of its own instead of colouring every `signals.ignored` comparison.
bool is_libc_internal_signal(const std::string& name) { return name == "SIG32" || name == "SIG33"; }

void add_signals(Observation& out, const std::string& prefix, const nlohmann::json& snapshot) {
  const auto& signals = member(snapshot, "signals");
  for (const char* which : {"ignored", "caught", "blocked"}) {
    std::vector<std::string> program, libc_internal;
    const auto& names = member(signals, which);
    if (names.is_array())
      for (const auto& name : names) {
        const std::string text = name.is_string() ? name.get<std::string>() : name.dump();
        (is_libc_internal_signal(text) ? libc_internal : program).push_back(text);
      }
    out[fmt::format("{}.signals.{}", prefix, which)] = fmt::format("{}", fmt::join(program, ","));
    if (!libc_internal.empty())
      out[fmt::format("{}.signals.libc_internal_{}", prefix, which)] = fmt::format("{}", fmt::join(libc_internal, ","));
  }
}

// Run-time numbers and the placeholders a scenario writes them with.
using IdPlaceholders = std::vector<std::pair<std::string, std::string>>;

// The scenario parent's pid, pgid and sid, and in a steps scenario each
// spawn's child pid ({pid:NAME}).
IdPlaceholders id_placeholders(const nlohmann::json& parent, const nlohmann::json& spawns) {
  IdPlaceholders ids;
  for (const auto& [key, placeholder] : {std::pair<const char*, const char*>{"pid", "{parent_pid}"},
                                         {"pgid", "{parent_pgid}"}, {"sid", "{parent_sid}"}})
    if (member(parent, key).is_number_integer())
      ids.emplace_back(std::to_string(member(parent, key).get<long long>()), placeholder);
  if (spawns.is_array())
    for (const auto& spawn : spawns)
      if (member(spawn, "pid").is_number_integer() && member(spawn, "name").is_string())
        ids.emplace_back(std::to_string(member(spawn, "pid").get<long long>()),
                         "{pid:" + member(spawn, "name").get<std::string>() + "}");
  return ids;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_character(char c) {
  return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Each run-time number as its placeholder wherever it stands as a whole
// number in `text`: they differ in every cell, so raw they would never compare
// equal. A one-digit id is not distinctive: in a pid namespace whose session
// or group leader lives outside, getsid and getpgid answer 0, and the
// namespace's init is 1. Such an id reads back only where it stands alone
// (no letter, digit or underscore beside it), so "sid=0" does and the 0 of
// "argv0" does not.
std::string with_placeholders(const std::string& text, const IdPlaceholders& ids) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_digit(text[end])) ++end;
    const std::string number = text.substr(i, end - i);
    const bool stands_alone =
        (i == 0 || !is_word_character(text[i - 1])) && (end == text.size() || !is_word_character(text[end]));
    const auto match = std::find_if(ids.begin(), ids.end(), [&](const auto& id) { return id.first == number; });
    out += match != ids.end() && (number.size() > 1 || stands_alone) ? match->second : number;
    i = end;
  }
  return out;
}

// The environment as text, one variable a line, with run-time ids as placeholders, except in the
// FDCONFORM_SCENARIO line every driver sets: the scenario's id is the scenario's, even where it holds
// a number that is also a pid of this run (fuzz-41-7268 run by a scenario parent whose pid is 7268).
std::string environment_text(const nlohmann::json& env, const PathSubstitution& paths, const IdPlaceholders& ids) {
  std::string out;
  if (!env.is_array()) return out;
  bool first = true;
  for (const auto& item : env) {
    if (!first) out += "\n";
    first = false;
    const std::string line = paths.apply(text(item));
    out += line.starts_with("FDCONFORM_SCENARIO=") ? line : with_placeholders(line, ids);
  }
  return out;
}

// The argv the child saw, without the report argument every driver appends
// (docs/PROTOCOL.md, step 8): that one is harness plumbing, not the scenario's.
nlohmann::json child_argv(const nlohmann::json& argv) {
  if (!argv.is_array() || argv.empty()) return nlohmann::json::array();
  nlohmann::json out = argv;
  if (out.back().is_string() && out.back().get<std::string>().starts_with("--report=")) out.erase(out.size() - 1);
  return out;
}

std::string relation(const nlohmann::json& value, const nlohmann::json& parent_value, const nlohmann::json& self) {
  if (value.is_null()) return "unknown";
  if (value == parent_value) return "parent";
  if (value == self) return "self";
  return "other";
}

// One RLIMIT_NOFILE value: the number, "unlimited" (null), or "" when the
// snapshot has none (a report from before the field existed).
std::string nofile_limit(const nlohmann::json& snapshot, const char* which) {
  const auto& limits = member(snapshot, "rlimit_nofile");
  if (!limits.is_object()) return "";
  const auto& value = member(limits, which);
  return value.is_null() ? "unlimited" : text(value);
}

std::string outcome_text(const nlohmann::json& outcome) {
  std::string kind = text(member(outcome, "kind"));
  if (kind == "exited") return "exited " + text(member(outcome, "returncode"));
  if (kind == "signaled") {
    const auto& rc = member(outcome, "returncode");
    return "signaled " + (rc.is_number_integer() ? fdconform_common::signal_name(-rc.get<int>()) : text(rc));
  }
  if (kind == "exception") return "exception";
  throw std::runtime_error(fmt::format("outcome.kind must be exited, signaled or exception, got '{}'", kind));
}

// A raised call's error class travels as "error_class"; a driver still naming one under the member's former
// name would otherwise lose the class without a word. (Its null, sent with every exited outcome, loses nothing.)
void refuse_former_class_member(const nlohmann::json& object, const char* where) {
  if (!member(object, "exception").is_null())
    throw std::runtime_error(fmt::format("{} has an \"exception\" member: the error class is \"error_class\" "
                                         "(docs/PROTOCOL.md \"Result\")",
                                         where));
}

// A value of the parent after the spawn: "unchanged" when it equals the
// parent's before the spawn, so machine-specific ids never reach an expectation.
std::string unchanged_or(const std::string& after, const std::string& before) {
  return after == before ? "unchanged" : after;
}

std::string child_states(const nlohmann::json& children) {
  std::vector<std::string> states;
  if (children.is_array())
    for (const auto& child : children) states.push_back(member(child, "state") == "Z" ? "zombie" : "running");
  std::sort(states.begin(), states.end());
  return fmt::format("{}", fmt::join(states, ","));
}

// The scenario parent after the spawn returned (or raised) and its child was
// waited for: what it still holds, and whether the spawn changed any of its
// own state. A snapshot with only "fds" (an older driver) gives only the fd fields.
void add_parent_after(Observation& out, const nlohmann::json& after, const nlohmann::json& parent, const FdNamer& namer,
                      const PathSubstitution& paths) {
  add_fd_table(out, "parent_after", after, namer, FdNaming::by_identity, paths);
  std::vector<std::string> names;
  for (const auto& e : sorted_fds(after)) {
    std::string name = namer.name_of(e);
    if (fd_number(e) == result_channel_fd && name.starts_with("unknown:")) continue;
    names.push_back(name);
  }
  out["parent_after.fds"] = fmt::format("{}", fmt::join(names, ","));
  if (!after.contains("umask")) return;
  out["parent_after.umask"] = unchanged_or(text(member(after, "umask")), text(member(parent, "umask")));
  out["parent_after.cwd"] = unchanged_or(paths.apply(text(member(after, "cwd"))), paths.apply(text(member(parent, "cwd"))));
  out["parent_after.env"] = unchanged_or(joined(member(after, "env"), "\n", &paths), joined(member(parent, "env"), "\n", &paths));
  Observation signals_after, signals_before;
  add_signals(signals_after, "s", after);
  add_signals(signals_before, "s", parent);
  for (const char* which : {"ignored", "caught", "blocked"}) {
    const std::string key = fmt::format("s.signals.{}", which);
    out[fmt::format("parent_after.signals.{}", which)] = unchanged_or(signals_after[key], signals_before[key]);
  }
  for (const char* id : {"uid", "euid", "gid", "egid", "groups", "sid", "pgid"})
    out[fmt::format("parent_after.{}", id)] = unchanged_or(member(after, id).dump(), member(parent, id).dump());
  for (const char* which : {"soft", "hard"})
    out[fmt::format("parent_after.rlimit_nofile.{}", which)] =
        unchanged_or(nofile_limit(after, which), nofile_limit(parent, which));
  out["parent_after.children"] = child_states(member(after, "children"));
  if (after.contains("audit")) out["parent_after.audit"] = joined(member(after, "audit"), "\n", &paths);
}

}  // namespace

namespace {

// What the parent was told: fields `prefix` ("outcome", or "NAME.outcome").
void add_outcome(Observation& out, const std::string& prefix, const nlohmann::json& outcome,
                 const PathSubstitution& paths) {
  refuse_former_class_member(outcome, prefix.c_str());
  out[prefix] = outcome_text(outcome);
  if (member(outcome, "kind") != "exception") return;
  // How the call ended is the outcome; which class of the runtime's own says so is a field of its own,
  // so a runtime with other class names differs from the reference in that field alone.
  if (const auto& error_class = member(outcome, "error_class"); error_class.is_string() && !text(error_class).empty())
    out[prefix + ".error_class"] = text(error_class);
  if (!member(outcome, "errno_name").is_null()) out[prefix + ".errno"] = text(member(outcome, "errno_name"));
  for (const char* attached : {"filename", "filename2", "strerror", "message"})
    // message is str(exception), what the parent's user reads: two implementations
    // that agree on class and errno can still tell the user different things.
    if (!member(outcome, attached).is_null())
      out[fmt::format("{}.{}", prefix, attached)] = paths.apply(text(member(outcome, attached)));
}

// What a child inherited: fields under `prefix` ("child", or a spawn's name),
// relative to `parent`, the scenario parent right before that spawn.
void add_child(Observation& out, const std::string& prefix, const nlohmann::json& probe, const nlohmann::json& parent,
               const PathSubstitution& paths, const IdPlaceholders& ids) {
  FdNamer namer(parent);
  add_fd_table(out, prefix, probe, namer, FdNaming::by_identity, paths);
  out[prefix + ".argv"] = with_placeholders(joined(child_argv(member(probe, "argv")), "\n", &paths), ids);
  out[prefix + ".session"] = relation(member(probe, "sid"), member(parent, "sid"), member(probe, "pid"));
  out[prefix + ".pgroup"] = relation(member(probe, "pgid"), member(parent, "pgid"), member(probe, "pid"));
  out[prefix + ".umask"] = text(member(probe, "umask"));
  add_signals(out, prefix, probe);
  out[prefix + ".cwd"] = paths.apply(text(member(probe, "cwd")));
  out[prefix + ".env"] = environment_text(member(probe, "env"), paths, ids);
  for (const char* id : {"uid", "euid", "gid", "egid"}) {
    const auto& v = member(probe, id);
    out[fmt::format("{}.{}", prefix, id)] = v == member(parent, id) ? "parent" : text(v);
  }
  const auto& groups = member(probe, "groups");
  out[prefix + ".groups"] = groups == member(parent, "groups") ? "parent" : joined(groups, ",");
  // Relative to the parent, as the ids are: the machine's own limits must
  // not show up in expectations. The parent's are in the parent state,
  // which every column must agree on.
  for (const char* which : {"soft", "hard"}) {
    std::string limit = nofile_limit(probe, which);
    out[fmt::format("{}.rlimit_nofile.{}", prefix, which)] = limit == nofile_limit(parent, which) ? "parent" : limit;
  }
  // The scheduling policy (its name) and priority the child runs with, what posix_spawn's
  // scheduler attribute sets: only when they are not the SCHED_OTHER, priority 0 every process
  // has unless something changed it (as the libc_internal signal fields, so the many
  // observations of children nobody rescheduled, and comparisons with a spawn that made no
  // child, carry no field about it). Absent from a report older than the fields.
  if (const auto& sched = member(probe, "sched"); sched.is_object()) {
    const std::string policy = text(member(sched, "policy"));
    const auto& priority = member(sched, "priority");
    if (policy != "SCHED_OTHER" || priority != 0) {
      out[prefix + ".sched.policy"] = policy;
      out[prefix + ".sched.priority"] = priority.is_null() ? "unknown" : text(priority);
    }
  }
}

// What a call, wait or parent step did: `returned VALUE`, or `raised ERRNO` (`raised` without an errno)
// with the runtime's error class apart in `error_class` (empty when it named none).
struct StepResult {
  std::string text;
  std::string error_class;
};

StepResult step_result(const nlohmann::json& step) {
  if (step.contains("returned")) {
    const auto& value = step["returned"];
    if (value.is_null()) return {"returned None", {}};
    if (!value.is_object()) return {"returned " + value.dump(), {}};
    std::string streams;
    for (const char* stream : {"stdout", "stderr"}) {
      const auto& bytes = member(value, stream);
      streams += fmt::format(" {}={}", stream, bytes.is_null() ? "None" : bytes.dump());
    }
    return {"returned" + streams, {}};
  }
  if (step.contains("raised")) {
    const auto& raised = step["raised"];
    refuse_former_class_member(raised, "a raised step");
    const auto& errno_name = member(raised, "errno_name");
    const auto& error_class = member(raised, "error_class");
    return {"raised" + (errno_name.is_string() ? " " + text(errno_name) : std::string()),
            error_class.is_string() ? text(error_class) : std::string()};
  }
  if (step.contains("skipped")) return {"skipped: " + text(step["skipped"]), {}};
  throw std::runtime_error("a step result must hold returned, raised or skipped");
}

// A steps scenario (docs/SCENARIO_FORMAT.md "Steps"): per named spawn its
// outcome and child, each child's fds named by its own parent snapshot; per
// call, wait and parent step what it did.
void add_steps(Observation& out, const nlohmann::json& result, const PathSubstitution& paths,
               const IdPlaceholders& ids) {
  for (const auto& spawn : member(result, "spawns")) {
    const std::string name = text(member(spawn, "name"));
    if (name.empty()) throw std::runtime_error("a spawn without a name");
    if (member(spawn, "outcome").is_object()) add_outcome(out, name + ".outcome", member(spawn, "outcome"), paths);
    if (member(spawn, "probe").is_object())
      add_child(out, name, member(spawn, "probe"), member(spawn, "parent"), paths, ids);
  }
  // A together step holds one result per thread: step.K.J.
  const auto& steps = member(result, "steps");
  auto add_step = [&out](const std::string& field, const nlohmann::json& step) {
    StepResult result = step_result(step);
    out[field] = result.text;
    if (!result.error_class.empty()) out[field + ".error_class"] = result.error_class;
  };
  for (std::size_t i = 0; steps.is_array() && i < steps.size(); ++i) {
    if (steps[i].is_object()) add_step(fmt::format("step.{}", i + 1), steps[i]);
    for (std::size_t j = 0; steps[i].is_array() && j < steps[i].size(); ++j)
      if (steps[i][j].is_object()) add_step(fmt::format("step.{}.{}", i + 1, j + 1), steps[i][j]);
  }
}

}  // namespace

Observation normalize_result(const nlohmann::json& result, const PathSubstitution& paths) {
  Observation out;
  const auto& parent = member(result, "parent");
  const auto& spawns = member(result, "spawns");
  const IdPlaceholders ids = id_placeholders(parent, spawns);
  const nlohmann::json* namer_parent = &parent;
  if (spawns.is_array()) {
    add_steps(out, result, paths, ids);
    // The parent after every step is named by the last spawn's snapshot, which knows every name.
    for (const auto& spawn : spawns)
      if (member(spawn, "parent").is_object()) namer_parent = &member(spawn, "parent");
  } else {
    const auto& outcome = member(result, "outcome");
    if (!outcome.is_object()) throw std::runtime_error("result without an \"outcome\" object");
    add_outcome(out, "outcome", outcome, paths);
    const auto& probe = member(result, "probe");
    if (probe.is_object()) add_child(out, "child", probe, parent, paths, ids);
  }
  const auto& after = member(result, "parent_after");
  if (after.is_object() && after.contains("fds")) add_parent_after(out, after, parent, FdNamer(*namer_parent), paths);
  return out;
}

Observation normalize_parent_state(const nlohmann::json& result, const PathSubstitution& paths,
                                   RuntimeOwned runtime_owned) {
  Observation out;
  const auto& parent = member(result, "parent");
  if (!parent.is_object()) throw std::runtime_error("result without a \"parent\" snapshot");
  FdNamer namer(parent);
  add_fd_table(out, "parent", parent, namer, FdNaming::by_parent_fd, paths);
  out["parent.umask"] = text(member(parent, "umask"));
  add_signals(out, "parent", parent);
  out["parent.cwd"] = paths.apply(text(member(parent, "cwd")));
  if (!runtime_owned.environment) out["parent.env"] = joined(member(parent, "env"), "\n", &paths);
  for (const char* id : {"uid", "euid", "gid", "egid", "groups"})
    out[fmt::format("parent.{}", id)] = member(parent, id).dump();
  out["parent.rlimit_nofile.soft"] = nofile_limit(parent, "soft");
  out["parent.rlimit_nofile.hard"] = nofile_limit(parent, "hard");
  return out;
}

}  // namespace fdconform
