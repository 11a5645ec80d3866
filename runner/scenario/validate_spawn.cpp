// The `spawn:` section: exactly one of popen, posix_spawn, posix_spawnp, fork_exec.
#include <cctype>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

#include "fdconform_common/probe_status.hpp"
#include "fdconform_common/signal_names.hpp"
#include "scenario/validate_libc.hpp"
#include "scenario/validation_context.hpp"

namespace fdconform {
namespace {

nlohmann::json probe_argv() { return nlohmann::json::array({"{probe}"}); }

nlohmann::json argv_list(ValidationContext& ctx, const YAML::Node* node, const std::string& path,
                         bool string_allowed) {
  if (!node) return probe_argv();
  if (string_allowed && node->IsScalar() && !YamlChecker::is_null(*node)) return node->Scalar();
  auto items = ctx.check.sequence(*node, path);
  if (!items) return probe_argv();
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < items->size(); ++i)
    if (auto s = ctx.check.string((*items)[i], fmt::format("{}[{}]", path, i))) out.push_back(*s);
  return out;
}

nlohmann::json optional_env(ValidationContext& ctx, const YAML::Node* node, const std::string& path) {
  if (!node || YamlChecker::is_null(*node)) return nullptr;
  auto vars = ctx.check.string_map(*node, path, true);
  nlohmann::json out = nlohmann::json::object();
  if (vars)
    for (const auto& [k, v] : *vars) out[k] = v;
  return out;
}

bool flag(ValidationContext& ctx, const YAML::Node* node, const std::string& path, bool fallback) {
  if (!node) return fallback;
  return ctx.check.boolean(*node, path).value_or(fallback);
}

// Wrong on purpose, a Python value of another type than the argument's, as a one-key mapping of the
// keys in `kinds`: {str: TEXT} (a str of at most 100 bytes), {none: true} (None), {int_like: N} (an
// object with __int__ giving N and no __index__: what int arguments accepted before 3.10, bpo-37999).
// `forms` lists every form the argument takes, and `instead_of_none_false` what to write for {none: false},
// for messages. Null when invalid (already reported).
nlohmann::json typed_value(ValidationContext& ctx, const YAML::Node& node, const std::string& path,
                           std::initializer_list<std::string_view> kinds, const std::string& forms,
                           const std::string& instead_of_none_false = "leave it out") {
  auto view = ctx.check.map(node, path, kinds);
  if (!view) return nullptr;
  if (view->entries.size() != 1) {
    if (view->entries.size() > 1 || node.size() == 0)
      ctx.check.error(node, fmt::format("{}: expected {}", path, forms));
    return nullptr;
  }
  const auto& e = view->entries.front();
  if (e.key == "str") {
    if (auto text = ctx.check.short_string(e.value, path + ".str", 100)) return {{"str", *text}};
    return nullptr;
  }
  if (e.key == "int_like") {
    if (auto n = ctx.check.integer(e.value, path + ".int_like", std::numeric_limits<int>::min(),
                                   std::numeric_limits<int>::max(), "a number in the C int range"))
      return {{"int_like", *n}};
    return nullptr;
  }
  if (auto b = ctx.check.boolean(e.value, path + ".none"); b && !*b) {
    ctx.check.error(e.value, fmt::format("{}.none: expected true (the value None), or {}", path, instead_of_none_false));
    return nullptr;
  }
  return {{"none", true}};
}

// Notes the first value only a Python caller can pass, which needs the python_values feature.
void note_python_value(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  if (ctx.python_value_mark) return;
  ctx.python_value_mark = node.Mark();
  ctx.python_value_path = path;
}

// Popen's whole `args` as one os.PathLike, {pathlike: TEXT}: Popen took it from 3.8 and before raised
// TypeError (bpo-31961); only a Python caller has the value.
nlohmann::json pathlike_argv(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  auto view = ctx.check.map(node, path, {"pathlike"});
  const YAML::Node* text = view ? view->find("pathlike") : nullptr;
  if (!text) {
    if (view && node.size() == 0)  // an unknown key was reported by map()
      ctx.check.error(node, fmt::format("{}: expected a string, a list of strings or {{pathlike: TEXT}}", path));
    return probe_argv();
  }
  auto program = ctx.check.string(*text, path + ".pathlike");
  if (!program) return probe_argv();
  note_python_value(ctx, node, path);
  return {{"pathlike", *program}};
}

// A flag Python's subprocess reads by truth value from 3.12 (gh-60203) and as an int before: true/false, or,
// wrong on purpose, a value of another type: {str: TEXT} (a Python str), {none: true} (None) or
// {int_like: N} (an object with __int__ only, for Python callers alone). The drivers get the boolean, or
// the typed mapping as written.
nlohmann::json truth_flag(ValidationContext& ctx, const YAML::Node* node, const std::string& path, bool fallback) {
  if (!node) return fallback;
  if (!node->IsMap()) {
    if (YamlChecker::is_plain_scalar(*node) && (node->Scalar() == "true" || node->Scalar() == "false"))
      return flag(ctx, node, path, fallback);
    ctx.check.error(*node, fmt::format("{}: expected true, false, {{str: TEXT}}, {{none: true}} or {{int_like: N}}, "
                                       "got {}",
                                       path, YamlChecker::describe(*node)));
    return fallback;
  }
  auto value = typed_value(ctx, *node, path, {"str", "none", "int_like"},
                           "true, false, {str: TEXT}, {none: true} or {int_like: N}", "write false");
  if (value.is_null()) return fallback;
  if (value.contains("int_like")) note_python_value(ctx, *node, path);
  return value;
}

// An int argument: a number in [min, max] or, wrong on purpose, {int_like: N} (a Python caller's object
// with __int__ only). Null when absent or invalid.
nlohmann::json int_or_int_like(ValidationContext& ctx, const YAML::Node* node, const std::string& path,
                               long long min, long long max, const std::string& what) {
  if (!node || YamlChecker::is_null(*node)) return nullptr;
  if (node->IsMap()) {
    auto value = typed_value(ctx, *node, path, {"int_like"}, what);
    if (!value.is_null()) note_python_value(ctx, *node, path);
    return value;
  }
  if (auto v = ctx.check.integer(*node, path, min, max, what)) return *v;
  return nullptr;
}

// os.posix_spawn's scheduler=(policy or None, os.sched_param(priority)); `tuple_length` other than 2
// is wrong on purpose: 1 passes (policy,), 3 passes (policy, sched_param, None).
nlohmann::json scheduler(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  auto view = ctx.check.map(node, path, {"policy", "priority", "tuple_length"});
  if (!view) return nullptr;
  ctx.check.require(*view, path, {"policy", "priority"});
  nlohmann::json out = {{"policy", nullptr}, {"priority", 0}, {"tuple_length", 2}};
  if (auto p = view->find("policy"); p && !YamlChecker::is_null(*p))
    if (auto policy = ctx.check.choice(*p, path + ".policy",
                                       {"SCHED_OTHER", "SCHED_BATCH", "SCHED_IDLE", "SCHED_FIFO", "SCHED_RR"}))
      out["policy"] = *policy;
  if (auto p = view->find("priority"))
    if (auto v = ctx.check.integer(*p, path + ".priority", 0, 99)) out["priority"] = *v;
  if (auto t = view->find("tuple_length"))
    if (auto v = ctx.check.integer(*t, path + ".tuple_length", 1, 3)) out["tuple_length"] = *v;
  return out;
}

// A user or group: a number, or a name. Any 64-bit number, as a Python caller may pass one: those no
// uid_t/gid_t holds (negative, or from 2**32) are refused by the implementation, which is what a
// scenario shows (U7, U10).
nlohmann::json id_or_name(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  if (YamlChecker::is_plain_scalar(node) && !node.IsNull() && !node.Scalar().empty() &&
      (std::isdigit(static_cast<unsigned char>(node.Scalar()[0])) || node.Scalar()[0] == '-')) {
    if (auto v = ctx.check.integer(node, path, std::numeric_limits<long long>::min(),
                                   std::numeric_limits<long long>::max()))
      return *v;
    return nullptr;
  }
  if (auto s = ctx.check.line(node, path)) return *s;
  return nullptr;
}

nlohmann::json stdio(ValidationContext& ctx, const YAML::Node* node, const std::string& path) {
  if (!node) return "inherit";
  if (node->IsMap()) {
    auto view = ctx.check.map(*node, path, {"fd", "resource"});
    if (!view) return "inherit";
    if (view->entries.size() != 1) {
      if (view->entries.size() > 1 || node->size() == 0)
        ctx.check.error(*node, fmt::format("{}: expected exactly one of fd or resource", path));
      return "inherit";
    }
    const auto& e = view->entries.front();
    if (e.key == "fd") {
      if (auto fd = ctx.argument_fd(e.value, path + ".fd")) return {{"fd", *fd}};
      return "inherit";
    }
    auto name = ctx.check.string(e.value, path + ".resource");
    if (!name) return "inherit";
    if (!ctx.find_end(*name)) {
      if (auto note = ctx.missing_end_note(*name); !note.empty())
        ctx.check.error(e.value, fmt::format("{}.resource: '{}' names no resource: {}", path, shown(*name), note));
      else
        ctx.check.error(e.value, fmt::format("{}.resource: '{}' names no resource: expected one of {}", path,
                                             shown(*name), ctx.end_names()));
      return "inherit";
    }
    return {{"resource", *name}};
  }
  // `stdout` is subprocess.STDOUT for all three: Python's subprocess itself decides what
  // it means for stdin and stdout (an error, differently by version: P11).
  std::optional<std::string> v = ctx.check.choice(*node, path, {"inherit", "pipe", "devnull", "stdout"});
  if (!v) return "inherit";
  return *v;
}

// What Popen runs: `executable` when given, else argv[0], both searched in PATH when bare; with
// shell=True the shell (`executable`, default /bin/sh) runs the command words.
void confine_popen_program(ValidationContext& ctx, const MapView& view, const nlohmann::json& out,
                           const std::string& p) {
  const YAML::Node* executable = view.find("executable");
  const YAML::Node* argv = view.find("argv");
  const bool has_executable = executable && out["executable"].is_string();
  if (has_executable)
    check_program_path(ctx, *executable, p + ".executable", out["executable"].get<std::string>(), true);
  if (out["shell"].get<bool>()) {
    std::vector<std::string> words;
    if (out["argv"].is_string()) words.push_back(out["argv"].get<std::string>());
    else
      for (const auto& w : out["argv"]) words.push_back(w.get<std::string>());
    if (argv) check_shell_command(ctx, *argv, p + ".argv", words);
    return;
  }
  if (has_executable || !argv) return;
  if (out["argv"].is_object())
    check_program_path(ctx, *argv, p + ".argv.pathlike", out["argv"]["pathlike"].get<std::string>(), true);
  else if (out["argv"].is_string())
    check_program_path(ctx, *argv, p + ".argv", out["argv"].get<std::string>(), true);
  else if (!out["argv"].empty())
    check_program_path(ctx, *argv, p + ".argv[0]", out["argv"][0].get<std::string>(), true);
}

nlohmann::json child_step(ValidationContext& ctx, const YAML::Node& node, const std::string& path, bool hook_steps);

// `p`: where the block is, "spawn.popen" or "steps[K].spawn.popen", for messages.
nlohmann::json popen(ValidationContext& ctx, const YAML::Node& node, const std::string& p) {
  auto& check = ctx.check;
  nlohmann::json out = {
      {"argv", probe_argv()}, {"executable", nullptr}, {"shell", false}, {"stdin", "inherit"},
      {"stdout", "inherit"}, {"stderr", "inherit"}, {"close_fds", true}, {"pass_fds", nlohmann::json::array()},
      {"cwd", nullptr}, {"env", nullptr}, {"restore_signals", true}, {"start_new_session", false},
      {"process_group", nullptr}, {"user", nullptr}, {"group", nullptr}, {"extra_groups", nullptr},
      {"umask", -1}, {"pipesize", -1}, {"close_strategy", nullptr}, {"preexec", nullptr}, {"path_type", "str"},
  };
  if (YamlChecker::is_null(node)) return out;
  auto view = check.map(node, p,
                        {"argv", "executable", "shell", "stdin", "stdout", "stderr", "close_fds", "pass_fds", "cwd",
                         "env", "restore_signals", "start_new_session", "process_group", "user", "group",
                         "extra_groups", "umask", "pipesize", "close_strategy", "preexec", "path_type"});
  if (!view) return out;
  const YAML::Node* argv_node = view->find("argv");
  const bool pathlike_args = argv_node && argv_node->IsMap();
  if (pathlike_args) out["argv"] = pathlike_argv(ctx, *argv_node, p + ".argv");
  else out["argv"] = argv_list(ctx, argv_node, p + ".argv", true);
  // How the caller passes argv items, executable and cwd: as str, as bytes (os.fsencode) or as an
  // os.PathLike whose __fspath__ gives the same text. The same bytes reach the kernel either way.
  if (auto t = view->find("path_type"))
    if (auto type = check.choice(*t, p + ".path_type", {"str", "bytes", "pathlike"})) out["path_type"] = *type;
  if (auto e = view->find("executable"); e && !YamlChecker::is_null(*e))
    out["executable"] = check.line(*e, p + ".executable").value_or("");
  out["shell"] = flag(ctx, view->find("shell"), p + ".shell", false);
  if (out["shell"] == true && out["path_type"] != "str")
    check.error(*view->find("path_type"),
                fmt::format("{}.path_type: the shell's command is a str: expected str (or leave path_type out) "
                            "with shell: true",
                            p));
  out["stdin"] = stdio(ctx, view->find("stdin"), p + ".stdin");
  out["stdout"] = stdio(ctx, view->find("stdout"), p + ".stdout");
  out["stderr"] = stdio(ctx, view->find("stderr"), p + ".stderr");
  if (pathlike_args) {
    // No argument to carry the probe's report path: it writes the report to its stdout, which the
    // caller reads from this pipe.
    if (out["shell"] == true)
      check.error(*argv_node, fmt::format("{}.argv: {{pathlike: TEXT}} is a program, not a shell command: expected "
                                          "shell: false (or leave shell out)",
                                          p));
    if (out["path_type"] != "str")
      check.error(*argv_node, fmt::format("{}.argv: {{pathlike: TEXT}} is already an os.PathLike: expected "
                                          "path_type str (or leave path_type out)",
                                          p));
    if (out["stdout"] != "pipe")
      check.error(*argv_node, fmt::format("{}.argv: {{pathlike: TEXT}} passes no argument, so the probe writes its "
                                          "report to its stdout: expected stdout: pipe",
                                          p));
  }
  out["close_fds"] = flag(ctx, view->find("close_fds"), p + ".close_fds", true);
  if (auto pf = view->find("pass_fds"); pf && !YamlChecker::is_null(*pf)) {
    if (auto items = check.sequence(*pf, p + ".pass_fds"))
      for (std::size_t i = 0; i < items->size(); ++i)
        if (auto ref = ctx.argument_fd_reference((*items)[i], fmt::format("{}.pass_fds[{}]", p, i)))
          out["pass_fds"].push_back(*ref);
  }
  if (auto c = view->find("cwd"); c && !YamlChecker::is_null(*c)) {
    out["cwd"] = check.line(*c, p + ".cwd").value_or("");
    check_workdir_path(ctx, *c, p + ".cwd", out["cwd"].get<std::string>(), true);
  }
  out["env"] = optional_env(ctx, view->find("env"), p + ".env");
  out["restore_signals"] = truth_flag(ctx, view->find("restore_signals"), p + ".restore_signals", true);
  out["start_new_session"] = truth_flag(ctx, view->find("start_new_session"), p + ".start_new_session", false);
  // Any 64-bit number: one outside the C int range shows how the version converts it (an OverflowError,
  // or 3.12.1's truncation).
  out["process_group"] =
      int_or_int_like(ctx, view->find("process_group"), p + ".process_group", std::numeric_limits<long long>::min(),
                      std::numeric_limits<long long>::max(), "a 64-bit integer or {int_like: N}");
  for (const char* key : {"user", "group"})
    if (auto u = view->find(key); u && !YamlChecker::is_null(*u))
      out[key] = id_or_name(ctx, *u, p + "." + key);
  if (auto g = view->find("extra_groups"); g && !YamlChecker::is_null(*g)) {
    out["extra_groups"] = nlohmann::json::array();
    if (auto items = check.sequence(*g, p + ".extra_groups"))
      for (std::size_t i = 0; i < items->size(); ++i)
        out["extra_groups"].push_back(id_or_name(ctx, (*items)[i], fmt::format("{}.extra_groups[{}]", p, i)));
  }
  // -1, an octal string, or wrong on purpose a value of another Python type: how Popen's checks and
  // the C conversion word their refusal changed in 3.10 (bpo-37999) and 3.13 (the posix_spawn gate).
  if (auto u = view->find("umask")) {
    if (YamlChecker::is_plain_scalar(*u) && u->Scalar() == "-1") out["umask"] = -1;
    else if (u->IsMap()) {
      auto typed = typed_value(ctx, *u, p + ".umask", {"str", "none", "int_like"},
                               "-1, an octal string such as \"077\", {str: TEXT}, {none: true} or {int_like: N}");
      if (!typed.is_null()) {
        out["umask"] = typed;
        note_python_value(ctx, *u, p + ".umask");
      }
    } else if (auto o = check.octal(*u, p + ".umask", 07777)) out["umask"] = *o;
  }
  if (auto ps = view->find("pipesize")) out["pipesize"] = check.integer(*ps, p + ".pipesize", -1, 1 << 30).value_or(-1);
  // How the child closes fds for close_fds, where an implementation lets the caller choose;
  // the observation must not depend on it, so the scenario's expect holds for every column.
  if (auto c = view->find("close_strategy"); c && !YamlChecker::is_null(*c))
    if (auto strategy = check.choice(*c, p + ".close_strategy", {"close_range", "proc_self_fd", "brute_force"}))
      out["close_strategy"] = *strategy;
  if (auto pre = view->find("preexec"); pre && !YamlChecker::is_null(*pre)) {
    out["preexec"] = nlohmann::json::array();
    if (auto items = check.sequence(*pre, p + ".preexec"))
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto step = child_step(ctx, (*items)[i], fmt::format("{}.preexec[{}]", p, i), true);
        if (!step.is_null()) out["preexec"].push_back(std::move(step));
      }
  }
  confine_popen_program(ctx, *view, out, p);
  return out;
}

// What an open file action or preexec open step opens: path (confined to the workdir), flags,
// mode, and the fd it lands on (required for a file action, optional for a preexec step).
nlohmann::json open_arguments(ValidationContext& ctx, const YAML::Node& node, const std::string& action_path,
                              bool fd_required) {
  auto open = ctx.check.map(node, action_path, {"fd", "path", "flags", "mode"});
  if (!open) return nullptr;
  if (fd_required) ctx.check.require(*open, action_path, {"fd", "path"});
  else ctx.check.require(*open, action_path, {"path"});
  nlohmann::json out = {{"fd", nullptr}, {"path", ""}, {"flags", nlohmann::json::array({"rdonly"})}, {"mode", "0644"}};
  if (auto fd = open->find("fd"))
    if (auto n = ctx.fd_number(*fd, action_path + ".fd")) out["fd"] = *n;
  if (auto p = open->find("path")) {
    out["path"] = ctx.check.line(*p, action_path + ".path").value_or("");
    check_workdir_path(ctx, *p, action_path + ".path", out["path"].get<std::string>(), true);
  }
  if (auto f = open->find("flags")) {
    out["flags"] = nlohmann::json::array();
    int access_modes = 0;
    if (auto items = ctx.check.sequence(*f, action_path + ".flags")) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto v = ctx.check.choice((*items)[i], fmt::format("{}.flags[{}]", action_path, i),
                                  {"rdonly", "wronly", "rdwr", "creat", "trunc", "append", "cloexec", "excl",
                                   "nonblock"});
        if (!v) continue;
        if (*v == "rdonly" || *v == "wronly" || *v == "rdwr") ++access_modes;
        out["flags"].push_back(*v);
      }
    }
    if (access_modes > 1)
      ctx.check.error(*f, fmt::format("{}.flags: expected at most one of rdonly, wronly, rdwr", action_path));
  }
  if (auto m = open->find("mode")) out["mode"] = ctx.check.octal(*m, action_path + ".mode", 07777).value_or("0644");
  return out;
}

// The file actions only a libc block's posix_spawn call takes (docs/LIBC.md): no Python caller has them.
constexpr std::array<std::string_view, 3> libc_only_file_actions = {"chdir", "fchdir", "tcsetpgrp"};

// One file action. `libc`: of a libc block's posix_spawn call, which also takes chdir, fchdir and
// tcsetpgrp, and passes fds below 0 on as written (a C argument wrong on purpose).
nlohmann::json file_action(ValidationContext& ctx, const YAML::Node& node, const std::string& path, bool libc) {
  const std::string kinds =
      libc ? "open, close, dup2, closefrom, chdir, fchdir, tcsetpgrp" : "open, close, dup2, closefrom";
  if (!libc && node.IsMap())
    for (const auto& entry : node)
      if (std::find(libc_only_file_actions.begin(), libc_only_file_actions.end(), entry.first.Scalar()) !=
          libc_only_file_actions.end()) {
        ctx.check.error(entry.first,
                        fmt::format("{}.{}: os.posix_spawn has no such file action: expected one of {} (chdir, "
                                    "fchdir and tcsetpgrp are file actions of a libc block's posix_spawn call, "
                                    "docs/LIBC.md)",
                                    path, entry.first.Scalar(), kinds));
        return nullptr;
      }
  auto view = libc ? ctx.check.map(node, path, {"open", "close", "dup2", "closefrom", "chdir", "fchdir", "tcsetpgrp"})
                   : ctx.check.map(node, path, {"open", "close", "dup2", "closefrom"});
  if (!view) return nullptr;
  if (view->entries.size() != 1) {
    // With no known key, the unknown one was already reported.
    if (view->entries.size() > 1 || node.size() == 0)
      ctx.check.error(node, fmt::format("{}: expected exactly one of {}", path, kinds));
    return nullptr;
  }
  const auto& e = view->entries.front();
  const std::string action_path = path + "." + e.key;
  auto fd_ref = [&](const YAML::Node& n, const std::string& where) {
    return libc ? ctx.argument_fd_reference(n, where) : ctx.fd_reference(n, where);
  };
  if (e.key == "close" || e.key == "fchdir" || e.key == "tcsetpgrp") {
    if (auto ref = fd_ref(e.value, action_path)) return {{e.key, *ref}};
    return nullptr;
  }
  if (e.key == "closefrom") {
    if (auto fd = libc ? ctx.argument_fd(e.value, action_path) : ctx.fd_number(e.value, action_path))
      return {{"closefrom", *fd}};
    return nullptr;
  }
  if (e.key == "chdir") {
    // A directory the child changes to: confined as an open action's path.
    auto text = ctx.check.line(e.value, action_path);
    if (!text) return nullptr;
    check_workdir_path(ctx, e.value, action_path, *text, true);
    return {{"chdir", *text}};
  }
  if (e.key == "dup2") {
    auto items = ctx.check.sequence(e.value, action_path);
    if (!items) return nullptr;
    if (items->size() != 2) {
      ctx.check.error(e.value, fmt::format("{}: expected [source, target], got a list of {}", action_path,
                                           items->size()));
      return nullptr;
    }
    auto source = fd_ref((*items)[0], action_path + "[0]");
    auto target = fd_ref((*items)[1], action_path + "[1]");
    if (!source || !target) return nullptr;
    return {{"dup2", {*source, *target}}};
  }
  auto out = open_arguments(ctx, e.value, action_path, true);
  if (out.is_null()) return nullptr;
  return {{"open", out}};
}

// `searched`: posix_spawnp, which looks a bare path up in PATH.
nlohmann::json posix_spawn(ValidationContext& ctx, const YAML::Node& node, const std::string& path, bool searched) {
  auto& check = ctx.check;
  nlohmann::json out = {
      {"path", "{probe}"}, {"argv", probe_argv()}, {"env", nullptr}, {"file_actions", nlohmann::json::array()},
      {"setpgroup", nullptr}, {"resetids", false}, {"setsid", false}, {"setsigmask", nullptr},
      {"setsigdef", nullptr},
  };
  if (YamlChecker::is_null(node)) return out;
  auto view = check.map(node, path,
                        {"path", "argv", "env", "file_actions", "setpgroup", "resetids", "setsid", "setsigmask",
                         "setsigdef", "scheduler"});
  if (!view) return out;
  if (auto p = view->find("path")) {
    out["path"] = check.line(*p, path + ".path").value_or("{probe}");
    check_program_path(ctx, *p, path + ".path", out["path"].get<std::string>(), searched);
  }
  out["argv"] = argv_list(ctx, view->find("argv"), path + ".argv", false);
  // {none: true} is env=None passed as such (3.8-3.12 refuse it); a variable named none is written with
  // its value quoted ({none: "true"}), or with other variables.
  if (auto e = view->find("env"); e && e->IsMap() && e->size() == 1 && e->begin()->first.Scalar() == "none" &&
                                  YamlChecker::is_plain_scalar(e->begin()->second) &&
                                  e->begin()->second.Scalar() == "true") {
    out["env"] = {{"none", true}};
    note_python_value(ctx, *e, path + ".env");
  } else {
    out["env"] = optional_env(ctx, view->find("env"), path + ".env");
  }
  if (auto fa = view->find("file_actions"); fa && !YamlChecker::is_null(*fa)) {
    if (auto items = check.sequence(*fa, path + ".file_actions"))
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto a = file_action(ctx, (*items)[i], fmt::format("{}.file_actions[{}]", path, i), false);
        if (!a.is_null()) out["file_actions"].push_back(std::move(a));
      }
  }
  out["setpgroup"] = int_or_int_like(ctx, view->find("setpgroup"), path + ".setpgroup", -2147483648LL, 2147483647LL,
                                     "an integer from -2147483648 to 2147483647 or {int_like: N}");
  out["resetids"] = truth_flag(ctx, view->find("resetids"), path + ".resetids", false);
  out["setsid"] = truth_flag(ctx, view->find("setsid"), path + ".setsid", false);
  // Only when given: requests of scenarios without it stay as they were.
  if (auto s = view->find("scheduler"); s && !YamlChecker::is_null(*s))
    if (auto sched = scheduler(ctx, *s, path + ".scheduler"); !sched.is_null()) out["scheduler"] = std::move(sched);
  for (const char* key : {"setsigmask", "setsigdef"})
    if (auto s = view->find(key); s && !YamlChecker::is_null(*s))
      out[key] = validate_signal_list(ctx, *s, path + "." + key, false, true);
  return out;
}

// One step a Python program takes in a fork child: os.set_inheritable, os.dup2,
// os.close; as a preexec_fn (`hook_steps`) also signal.signal, raising, os.open and os._exit.
nlohmann::json child_step(ValidationContext& ctx, const YAML::Node& node, const std::string& path, bool hook_steps) {
  const bool nested = !hook_steps && ctx.nested_spawn;
  const std::string kinds = hook_steps ? "set_inheritable, dup2, close, signal, raise, open, exit"
                            : nested   ? "set_inheritable, dup2, close, spawn"
                                       : "set_inheritable, dup2, close";
  auto view = hook_steps ? ctx.check.map(node, path,
                                         {"set_inheritable", "dup2", "close", "signal", "raise", "open", "exit"})
              : nested   ? ctx.check.map(node, path, {"set_inheritable", "dup2", "close", "spawn"})
                         : ctx.check.map(node, path, {"set_inheritable", "dup2", "close"});
  if (!view) return nullptr;
  if (view->entries.size() != 1) {
    if (view->entries.size() > 1 || node.size() == 0)
      ctx.check.error(node, fmt::format("{}: expected exactly one of {}", path, kinds));
    return nullptr;
  }
  const auto& e = view->entries.front();
  const std::string step_path = path + "." + e.key;
  if (e.key == "spawn") {
    auto spawn = ctx.nested_spawn(e.value, step_path);
    if (spawn.is_null()) return nullptr;
    return {{"spawn", spawn}};
  }
  if (e.key == "open") {
    // A preexec_fn's os.open (close-on-exec, PEP 446), moved onto `fd` by os.dup2 when one is given.
    auto out = open_arguments(ctx, e.value, step_path, false);
    if (out.is_null()) return nullptr;
    return {{"open", out}};
  }
  if (e.key == "exit") {
    // os._exit(N) in preexec_fn: the child ends before exec without writing an error record. The probe's
    // status for a report it could not write is refused: a child ending with it and no report is a failed
    // cell.
    if (auto n = ctx.check.integer(e.value, step_path, 0, 255, "an exit status from 0 to 255")) {
      if (*n == fdconform_common::probe_report_failed_status) {
        ctx.check.error(e.value, fmt::format("{}: {} is the probe's status for a report it could not write "
                                             "(docs/PROBE.md); expected another exit status from 0 to 255",
                                             step_path, *n));
        return nullptr;
      }
      return {{"exit", *n}};
    }
    return nullptr;
  }
  if (e.key == "raise") {
    // preexec_fn raising: the value says nothing (Python's subprocess reports a fixed message), so only `true` is accepted.
    if (auto b = ctx.check.boolean(e.value, step_path); b && !*b)
      ctx.check.error(e.value, fmt::format("{}: expected true (a step that raises), or leave the step out", step_path));
    return {{"raise", true}};
  }
  if (e.key == "signal") {
    auto args = ctx.check.map(e.value, step_path, {"name", "action"});
    if (!args) return nullptr;
    ctx.check.require(*args, step_path, {"name", "action"});
    nlohmann::json out = nlohmann::json::object();
    if (auto n = args->find("name")) {
      if (auto name = ctx.check.string(*n, step_path + ".name")) {
        if (!fdconform_common::signal_number(*name))
          ctx.check.error(*n, fmt::format("{}.name: unknown signal name '{}': expected SIGHUP ... SIGSYS, SIGRTMIN, "
                                          "SIGRTMIN+N, SIGRTMAX-N or SIGRTMAX",
                                          step_path, shown(*name)));
        else if (*name == "SIGKILL" || *name == "SIGSTOP")
          ctx.check.error(*n, fmt::format("{}.name: {} cannot be ignored or defaulted: expected another signal",
                                          step_path, *name));
        else
          out["name"] = *name;
      }
    }
    if (auto a = args->find("action"))
      if (auto action = ctx.check.choice(*a, step_path + ".action", {"ignore", "default"})) out["action"] = *action;
    return {{"signal", out}};
  }
  auto args = fd_call_arguments(ctx, e.key, e.value, step_path);
  if (args.is_null()) return nullptr;
  return {{e.key, args}};
}

nlohmann::json fork_exec(ValidationContext& ctx, const YAML::Node& node, const std::string& p) {
  nlohmann::json out = {{"steps", nlohmann::json::array()}, {"argv", probe_argv()}};
  if (YamlChecker::is_null(node)) return out;
  auto view = ctx.check.map(node, p, {"steps", "argv"});
  if (!view) return out;
  if (auto s = view->find("steps"); s && !YamlChecker::is_null(*s)) {
    if (auto items = ctx.check.sequence(*s, p + ".steps"))
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto step = child_step(ctx, (*items)[i], fmt::format("{}.steps[{}]", p, i), false);
        if (!step.is_null()) out["steps"].push_back(std::move(step));
      }
  }
  out["argv"] = argv_list(ctx, view->find("argv"), p + ".argv", false);
  if (auto a = view->find("argv"); a && !out["argv"].empty())  // os.execv: argv[0] is the path, never searched
    check_program_path(ctx, *a, p + ".argv[0]", out["argv"][0].get<std::string>(), false);
  return out;
}

}  // namespace

nlohmann::json validate_spawn_kind(ValidationContext& ctx, const std::string& kind, const YAML::Node& node,
                                   const std::string& path) {
  if (kind == "popen") return popen(ctx, node, path);
  if (kind == "fork_exec") return fork_exec(ctx, node, path);
  return posix_spawn(ctx, node, path, kind == "posix_spawnp");
}

nlohmann::json validate_spawn(ValidationContext& ctx, const YAML::Node& node) {
  auto view = ctx.check.map(node, "spawn", {"popen", "posix_spawn", "posix_spawnp", "fork_exec", "libc"});
  if (!view) return nlohmann::json::object();
  if (view->entries.size() > 1 || node.size() == 0)
    ctx.check.error(node, fmt::format("spawn: expected exactly one of popen, posix_spawn, posix_spawnp, fork_exec, "
                                      "libc, got {}",
                                      view->entries.size()));
  if (view->entries.empty()) return nlohmann::json::object();
  const auto& e = view->entries.front();
  if (e.key == "libc") return {{e.key, validate_libc_block(ctx, e.value, "spawn.libc")}};  // single spawns only
  return {{e.key, validate_spawn_kind(ctx, e.key, e.value, "spawn." + e.key)}};
}

nlohmann::json libc_file_action(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  return file_action(ctx, node, path, true);
}

nlohmann::json fd_call_arguments(ValidationContext& ctx, const std::string& call, const YAML::Node& node,
                                 const std::string& path) {
  if (call == "close" || call == "get_inheritable") {
    if (auto ref = ctx.fd_reference(node, path)) return *ref;
    return nullptr;
  }
  if (call == "set_inheritable") {
    auto args = ctx.check.map(node, path, {"fd", "value"});
    if (!args) return nullptr;
    ctx.check.require(*args, path, {"fd", "value"});
    nlohmann::json out = {{"fd", nullptr}, {"value", nullptr}};
    if (auto fd = args->find("fd"))
      if (auto ref = ctx.fd_reference(*fd, path + ".fd")) out["fd"] = *ref;
    if (auto v = args->find("value"))
      if (auto b = ctx.check.boolean(*v, path + ".value")) out["value"] = *b;
    return out;
  }
  auto args = ctx.check.map(node, path, {"fd", "to", "inheritable"});
  if (!args) return nullptr;
  ctx.check.require(*args, path, {"fd", "to"});
  nlohmann::json out = {{"fd", nullptr}, {"to", nullptr}, {"inheritable", true}};
  if (auto fd = args->find("fd"))
    if (auto ref = ctx.fd_reference(*fd, path + ".fd")) out["fd"] = *ref;
  if (auto to = args->find("to"))
    if (auto n = ctx.fd_number(*to, path + ".to")) out["to"] = *n;
  if (auto i = args->find("inheritable")) out["inheritable"] = flag(ctx, i, path + ".inheritable", true);
  return out;
}

}  // namespace fdconform
