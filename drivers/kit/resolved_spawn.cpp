#include "resolved_spawn.hpp"

#include <fcntl.h>

#include <fmt/format.h>

#include "confined_paths.hpp"
#include "fdconform_common/signal_names.hpp"

namespace kit {
namespace {

EnvPairs env_pairs(const Json& env, const std::string& where, const PlaceholderValues& placeholders) {
  EnvPairs pairs;
  for (const auto& [key, value] : object_at(env, where).items())
    pairs.emplace_back(key, substitute_placeholders(string_at(value, where + "." + key), placeholders));
  return pairs;
}

// A list of pairs keeps the scenario's order, which a runtime's mapping type may not.
Json env_json(const std::optional<EnvPairs>& env) {
  if (!env) return nullptr;
  Json pairs = Json::array();
  for (const auto& [key, value] : *env) pairs.push_back({key, value});
  return pairs;
}

FileActionSpec file_action_from(const Json& action, const std::string& where, const SpawnContext& context) {
  auto [kind, spec] = single_entry(action, where, "open, close, dup2, closefrom");
  const std::string here = where + "." + kind;
  FileActionSpec out;
  if (kind == "open") {
    object_at(spec, here);
    const Json* fd = member(spec, "fd", here);
    const Json* path = member(spec, "path", here);
    if (!fd || !path) throw RequestError(here + ": expected fd and path");
    out.kind = FileActionSpec::Kind::open;
    out.fd = static_cast<int>(integer_at(*fd, here + ".fd"));
    if (const Json* flags = member(spec, "flags", here)) {
      out.flags = open_flags_from(*flags, here + ".flags");
      out.flag_names = *flags;
    }
    if (const Json* m = member(spec, "mode", here)) out.mode = octal_at(*m, here + ".mode");
    out.path = substitute_placeholders(string_at(*path, here + ".path"), context.placeholders);
    check_child_open_path(out.path, context.placeholders.workdir, context.confined);
    return out;
  }
  if (kind == "close" || kind == "closefrom") {
    out.kind = kind == "close" ? FileActionSpec::Kind::close : FileActionSpec::Kind::closefrom;
    out.fd = context.resources.resolve_fd(spec, here);
    return out;
  }
  if (kind == "dup2") {
    if (!spec.is_array() || spec.size() != 2) throw RequestError(here + ": expected [source, target]");
    out.kind = FileActionSpec::Kind::dup2;
    out.fd = context.resources.resolve_fd(spec[0], here + "[0]");
    out.to = context.resources.resolve_fd(spec[1], here + "[1]");
    return out;
  }
  throw RequestError(fmt::format("{}: expected open, close, dup2 or closefrom, got \"{}\"", where, kind));
}

Json file_action_json(const FileActionSpec& action) {
  switch (action.kind) {
    case FileActionSpec::Kind::open:
      return Json{{"open", {{"fd", action.fd}, {"path", action.path}, {"flags", action.flag_names}, {"mode", action.mode}}}};
    case FileActionSpec::Kind::close: return Json{{"close", action.fd}};
    case FileActionSpec::Kind::dup2: return Json{{"dup2", {action.fd, action.to}}};
    case FileActionSpec::Kind::closefrom: return Json{{"closefrom", action.fd}};
  }
  return nullptr;
}

// The names of open_flags_from for O_* bits, the access mode first; O_CLOEXEC is never among them
// (a child step's open is close-on-exec whatever it asks, as os.open).
Json open_flag_names(int flags) {
  Json names = Json::array();
  const int access = flags & O_ACCMODE;
  names.push_back(access == O_WRONLY ? "wronly" : access == O_RDWR ? "rdwr" : "rdonly");
  static const std::pair<const char*, int> others[] = {
      {"creat", O_CREAT}, {"trunc", O_TRUNC}, {"append", O_APPEND}, {"excl", O_EXCL}, {"nonblock", O_NONBLOCK}};
  for (const auto& [name, bit] : others)
    if (flags & bit) names.push_back(name);
  return names;
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

std::vector<ChildStep> preexec_steps(const Json& list, const SpawnContext& context) {
  return child_steps_from(list, "scenario.spawn.popen.preexec", context.resources, true, context.placeholders,
                          context.confined);
}

Json resolved_popen_json(const Json& spec, const SpawnContext& context) {
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
  if (const Json* env = member(spec, "env", where)) out["env"] = env_json(env_pairs(*env, where + ".env", context.placeholders));
  if (const Json* list = member(spec, "preexec", where)) out["preexec"] = child_steps_json(preexec_steps(*list, context));
  return out;
}

Json resolved_posix_spawn_json(const std::string& kind, const Json& spec, const SpawnContext& context) {
  const PosixSpawnSpec resolved = resolve_posix_spawn(kind, spec, context);
  Json out = spec;
  out["path"] = resolved.path;
  out["argv"] = resolved.argv;
  out["env"] = env_json(resolved.env);
  Json actions = Json::array();
  for (const FileActionSpec& action : resolved.file_actions) actions.push_back(file_action_json(action));
  out["file_actions"] = actions;
  return out;
}

// A libc block's file actions (docs/LIBC.md): as a posix_spawn block's, every fd a number and a chdir
// path substituted and confined, plus chdir, fchdir and tcsetpgrp; fds below 0 pass on as written.
Json libc_file_actions(const Json& list, const SpawnContext& context) {
  const std::string where = "scenario.spawn.libc.file_actions";
  Json out = Json::array();
  size_t index = 0;
  for (const Json& action : array_at(list, where)) {
    const std::string at = fmt::format("{}[{}]", where, index++);
    auto [kind, spec] = single_entry(action, at, "open, close, dup2, closefrom, chdir, fchdir, tcsetpgrp");
    const std::string here = at + "." + kind;
    if (kind == "close" || kind == "fchdir" || kind == "tcsetpgrp") {
      out.push_back({{kind, context.resources.resolve_fd(spec, here, true)}});
    } else if (kind == "dup2") {
      if (!spec.is_array() || spec.size() != 2) throw RequestError(here + ": expected [source, target]");
      out.push_back({{kind, {context.resources.resolve_fd(spec[0], here + "[0]", true),
                             context.resources.resolve_fd(spec[1], here + "[1]", true)}}});
    } else if (kind == "closefrom") {
      out.push_back({{kind, context.resources.resolve_fd(spec, here, true)}});
    } else if (kind == "chdir") {
      const std::string path = substitute_placeholders(string_at(spec, here), context.placeholders);
      check_child_open_path(path, context.placeholders.workdir, context.confined);
      out.push_back({{kind, path}});
    } else {
      out.push_back(file_action_json(file_action_from(action, at, context)));
    }
  }
  return out;
}

}  // namespace

PosixSpawnSpec resolve_posix_spawn(const std::string& kind, const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn." + kind;
  object_at(spec, where);
  PosixSpawnSpec out;
  out.path = context.placeholders.probe;
  if (const Json* p = member(spec, "path", where)) out.path = substitute_placeholders(string_at(*p, where + ".path"), context.placeholders);
  out.argv = argv_from(spec, where, context.placeholders);
  append_report_argument(out.argv, false, context.report_argument);
  if (const Json* env = member(spec, "env", where)) out.env = env_pairs(*env, where + ".env", context.placeholders);
  if (const Json* list = member(spec, "file_actions", where)) {
    size_t index = 0;
    for (const Json& action : array_at(*list, where + ".file_actions"))
      out.file_actions.push_back(file_action_from(action, fmt::format("{}.file_actions[{}]", where, index++), context));
  }
  return out;
}

ForkExecSpec resolve_fork_exec(const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn.fork_exec";
  object_at(spec, where);
  ForkExecSpec out;
  out.argv = argv_from(spec, where, context.placeholders);
  out.argv.push_back(context.report_argument);
  if (const Json* list = member(spec, "steps", where)) {
    size_t index = 0;
    for (const Json& step : array_at(*list, where + ".steps")) {
      const std::string at = fmt::format("{}.steps[{}]", where, index++);
      if (step.is_object() && member(step, "spawn", at))
        throw RequestError(at + ".spawn: a spawn from inside the child belongs to a steps scenario");
    }
    out.steps = child_steps_from(*list, where + ".steps", context.resources, false, context.placeholders, context.confined);
  }
  return out;
}

void check_block_paths(const std::string& kind, const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn." + kind;
  object_at(spec, where);
  if (kind == "popen") {
    if (const Json* list = member(spec, "preexec", where)) preexec_steps(*list, context);
    return;
  }
  if (kind == "posix_spawn" || kind == "posix_spawnp") {
    resolve_posix_spawn(kind, spec, context);
    return;
  }
  if (kind == "libc") {
    if (const Json* list = member(spec, "file_actions", where)) libc_file_actions(*list, context);
    return;
  }
  if (kind != "fork_exec") return;
  const Json* list = member(spec, "steps", where);
  if (!list) return;
  // A steps scenario's fork_exec child may spawn: its block's paths are checked as a spawn's.
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
}

Json child_steps_json(const std::vector<ChildStep>& steps) {
  Json out = Json::array();
  for (const ChildStep& step : steps) {
    switch (step.kind) {
      case ChildStep::Kind::set_inheritable:
        out.push_back({{"set_inheritable", {{"fd", step.fd}, {"value", step.value}}}});
        break;
      case ChildStep::Kind::dup2:
        out.push_back({{"dup2", {{"fd", step.fd}, {"to", step.to}, {"inheritable", step.value}}}});
        break;
      case ChildStep::Kind::close: out.push_back({{"close", step.fd}}); break;
      case ChildStep::Kind::signal:
        out.push_back({{"signal", {{"name", fdconform_common::signal_name(step.fd)}, {"number", step.fd},
                                   {"action", step.value ? "ignore" : "default"}}}});
        break;
      case ChildStep::Kind::raise: out.push_back({{"raise", true}}); break;
      case ChildStep::Kind::open:
        out.push_back({{"open", {{"path", step.path}, {"flags", open_flag_names(step.flags)}, {"mode", step.mode},
                                 {"fd", step.to >= 0 ? Json(step.to) : Json(nullptr)}}}});
        break;
      case ChildStep::Kind::exit: out.push_back({{"exit", step.fd}}); break;
    }
  }
  return out;
}

// A libc block (docs/LIBC.md): file, argv and command with placeholders substituted; the probe's
// report argument ends argv, and the command as one more quoted word.
Json resolved_libc(const Json& spec, const SpawnContext& context) {
  const std::string where = "scenario.spawn.libc";
  Json out = object_at(spec, where);
  if (const Json* file = member(spec, "file", where))
    out["file"] = substitute_placeholders(string_at(*file, where + ".file"), context.placeholders);
  std::vector<std::string> args = argv_from(spec, where, context.placeholders);
  append_report_argument(args, false, context.report_argument);
  out["argv"] = args;
  if (const Json* command = member(spec, "command", where)) {
    std::vector<std::string> line{substitute_placeholders(string_at(*command, where + ".command"), context.placeholders)};
    append_report_argument(line, true, context.report_argument);
    out["command"] = line.front();
  }
  if (const Json* list = member(spec, "file_actions", where)) out["file_actions"] = libc_file_actions(*list, context);
  return out;
}

Json resolved_block_json(const std::string& kind, const Json& spec, const SpawnContext& context) {
  if (kind == "popen") return resolved_popen_json(spec, context);
  if (kind == "libc") return resolved_libc(spec, context);
  if (kind == "posix_spawn" || kind == "posix_spawnp") return resolved_posix_spawn_json(kind, spec, context);
  if (kind == "fork_exec") {
    const ForkExecSpec resolved = resolve_fork_exec(spec, context);
    return Json{{"argv", resolved.argv}, {"steps", child_steps_json(resolved.steps)}};
  }
  throw RequestError(
      fmt::format("scenario.spawn: expected popen, posix_spawn, posix_spawnp, fork_exec or libc, got \"{}\"", kind));
}

}  // namespace kit
