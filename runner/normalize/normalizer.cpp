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
                  FdNaming naming) {
  const bool name_by_parent_fd = naming == FdNaming::by_parent_fd;
  auto fds = sorted_fds(snapshot);
  std::vector<std::string> numbers;
  std::map<std::string, long long> first_fd_of_ofd;
  for (const auto& e : fds) {
    long long fd = fd_number(e);
    std::string name = name_by_parent_fd ? namer.parent_name(fd) : namer.name_of(e);
    if (prefix != "child" && fd == result_channel_fd && name.starts_with("unknown:")) continue;
    numbers.push_back(std::to_string(fd));
    std::string key = fmt::format("{}.fd.{}", prefix, fd);
    out[key] = name + " " + text(member(e, "access")) + fd_flags(e);
    if (member(e, "kind") == "file" && member(e, "offset").is_number_integer())
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

// The scenario parent's pid, pgid and sid as the placeholders a scenario
// writes them with ({parent_pid} ...), wherever one stands as a whole number
// in `text`: they differ in every cell, so raw they would never compare equal.
std::string with_parent_ids(const std::string& text, const nlohmann::json& parent) {
  const std::pair<const char*, const char*> ids[] = {
      {"pid", "{parent_pid}"}, {"pgid", "{parent_pgid}"}, {"sid", "{parent_sid}"}};
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    const std::string number = text.substr(i, end - i);
    const char* replacement = nullptr;
    for (const auto& [key, placeholder] : ids)
      if (!replacement && member(parent, key).is_number_integer() &&
          std::to_string(member(parent, key).get<long long>()) == number)
        replacement = placeholder;
    out += replacement ? std::string(replacement) : number;
    i = end;
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
  if (kind == "exception") return "exception " + text(member(outcome, "exception"));
  throw std::runtime_error(fmt::format("outcome.kind must be exited, signaled or exception, got '{}'", kind));
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
  add_fd_table(out, "parent_after", after, namer, FdNaming::by_identity);
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
}

}  // namespace

Observation normalize_result(const nlohmann::json& result, const PathSubstitution& paths) {
  Observation out;
  const auto& outcome = member(result, "outcome");
  if (!outcome.is_object()) throw std::runtime_error("result without an \"outcome\" object");
  out["outcome"] = outcome_text(outcome);
  if (member(outcome, "kind") == "exception") {
    if (!member(outcome, "errno_name").is_null()) out["outcome.errno"] = text(member(outcome, "errno_name"));
    if (!member(outcome, "filename").is_null()) out["outcome.filename"] = paths.apply(text(member(outcome, "filename")));
    if (!member(outcome, "filename2").is_null())
      out["outcome.filename2"] = paths.apply(text(member(outcome, "filename2")));
    if (!member(outcome, "strerror").is_null()) out["outcome.strerror"] = paths.apply(text(member(outcome, "strerror")));
    // What the parent's user reads: str(exception). Two implementations that
    // agree on class and errno can still tell the user different things.
    if (!member(outcome, "message").is_null()) out["outcome.message"] = paths.apply(text(member(outcome, "message")));
  }
  const auto& parent = member(result, "parent");
  FdNamer namer(parent);

  const auto& probe = member(result, "probe");
  if (probe.is_object()) {
    add_fd_table(out, "child", probe, namer, FdNaming::by_identity);
    out["child.argv"] = with_parent_ids(joined(child_argv(member(probe, "argv")), "\n", &paths), parent);
    out["child.session"] = relation(member(probe, "sid"), member(parent, "sid"), member(probe, "pid"));
    out["child.pgroup"] = relation(member(probe, "pgid"), member(parent, "pgid"), member(probe, "pid"));
    out["child.umask"] = text(member(probe, "umask"));
    add_signals(out, "child", probe);
    out["child.cwd"] = paths.apply(text(member(probe, "cwd")));
    out["child.env"] = with_parent_ids(joined(member(probe, "env"), "\n", &paths), parent);
    for (const char* id : {"uid", "euid", "gid", "egid"}) {
      const auto& v = member(probe, id);
      out[fmt::format("child.{}", id)] = v == member(parent, id) ? "parent" : text(v);
    }
    const auto& groups = member(probe, "groups");
    out["child.groups"] = groups == member(parent, "groups") ? "parent" : joined(groups, ",");
    // Relative to the parent, as the ids are: the machine's own limits must
    // not show up in expectations. The parent's are in the parent state,
    // which every column must agree on.
    for (const char* which : {"soft", "hard"}) {
      std::string limit = nofile_limit(probe, which);
      out[fmt::format("child.rlimit_nofile.{}", which)] = limit == nofile_limit(parent, which) ? "parent" : limit;
    }
  }

  const auto& after = member(result, "parent_after");
  if (after.is_object() && after.contains("fds")) add_parent_after(out, after, parent, namer, paths);
  return out;
}

Observation normalize_parent_state(const nlohmann::json& result, const PathSubstitution& paths,
                                   RuntimeOwned runtime_owned) {
  Observation out;
  const auto& parent = member(result, "parent");
  if (!parent.is_object()) throw std::runtime_error("result without a \"parent\" snapshot");
  FdNamer namer(parent);
  add_fd_table(out, "parent", parent, namer, FdNaming::by_parent_fd);
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
