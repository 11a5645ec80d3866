// The `parent:` section: the scenario parent's state right before the spawn, and its resources.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "scenario/validation_context.hpp"

namespace fdconform {
namespace {

struct FixedFdUse {
  std::string owner;
  int line;
};

class ResourceValidator {
 public:
  explicit ResourceValidator(ValidationContext& ctx) : ctx_(ctx) {}

  nlohmann::json resources(const YAML::Node& node) {
    nlohmann::json out = nlohmann::json::array();
    auto items = ctx_.check.sequence(node, "parent.resources");
    if (!items) return out;
    // Every resource holds fds of the scenario parent, which has 3 to 1022 for them: more cannot be
    // created, and each cell would only fail.
    std::size_t fds_needed = 0;
    for (const auto& item : *items) {
      const YAML::Node kind = item.IsMap() ? item["kind"] : YAML::Node();
      bool two = kind.IsScalar() &&
                 (kind.Scalar() == "pipe" || kind.Scalar() == "fifo" || kind.Scalar() == "socketpair" ||
                  kind.Scalar() == "tcp_connection");
      fds_needed += two ? 2 : 1;
    }
    if (fds_needed > max_resource_fds) {
      ctx_.check.error(node, fmt::format("parent.resources: {} resources need {} fds: expected at most {} (fds 3 to "
                                         "{} of the scenario parent)",
                                         items->size(), fds_needed, max_resource_fds, result_channel_fd - 1));
      return out;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto r = resource((*items)[i], fmt::format("parent.resources[{}]", i));
      if (!r.is_null()) out.push_back(std::move(r));
    }
    return out;
  }

 private:
  nlohmann::json resource(const YAML::Node& node, const std::string& path) {
    auto view = ctx_.check.map(node, path,
                               {"name", "kind", "content", "offset", "access", "flags", "path", "fd", "inheritable",
                                "read", "write", "a", "b", "of", "call", "min_fd", "mode", "client", "server"});
    if (!view) return nullptr;
    ctx_.check.require(*view, path, {"name", "kind"});
    std::string name;
    if (auto n = view->find("name")) {
      if (auto s = ctx_.check.short_string(*n, path + ".name", max_resource_name_length)) {
        if (!is_resource_name(*s)) {
          ctx_.check.error(*n, fmt::format("{}.name: expected a name matching [a-z][a-z0-9_]*, got '{}'", path,
                                           shown(*s)));
        } else if (names_.count(*s)) {
          ctx_.check.error(*n, fmt::format("{}.name: duplicate resource name '{}': each resource needs its own name",
                                           path, *s));
        } else if (*s == "parent" || *s == "popen" || *s == "devnull" || *s == "unknown") {
          ctx_.check.error(*n, fmt::format("{}.name: '{}' is reserved for observations: expected another name", path,
                                           *s));
        } else {
          name = *s;
          names_.insert(name);
        }
      }
    }
    std::string kind;
    if (auto k = view->find("kind"))
      kind = ctx_.check
                 .choice(*k, path + ".kind",
                         {"file", "dir", "devnull", "memfd", "eventfd", "pipe", "fifo", "socketpair", "dup", "tcp_listener",
                          "tcp_connection", "udp"})
                 .value_or("");
    if (kind.empty()) return nullptr;

    const std::string label = name.empty() ? path : name;
    nlohmann::json out = {{"name", name}, {"kind", kind}};
    auto allowed_for_kind = [&]() -> std::vector<std::string> {
      if (kind == "file") return {"content", "offset", "access", "flags", "path", "fd", "inheritable", "mode"};
      if (kind == "dir") return {"path", "fd", "inheritable"};
      if (kind == "devnull") return {"access", "fd", "inheritable"};
      if (kind == "pipe") return {"read", "write"};
      if (kind == "fifo") return {"read", "write", "path"};
      if (kind == "socketpair") return {"a", "b"};
      if (kind == "tcp_connection") return {"client", "server"};
      if (kind == "tcp_listener" || kind == "udp") return {"fd", "inheritable", "flags"};
      if (kind == "dup") return {"of", "call", "fd", "min_fd", "inheritable"};
      return {"fd", "inheritable"};  // memfd, eventfd
    }();
    for (const auto& e : view->entries) {
      if (e.key == "name" || e.key == "kind") continue;
      if (std::find(allowed_for_kind.begin(), allowed_for_kind.end(), e.key) == allowed_for_kind.end())
        ctx_.check.error(e.key_node, fmt::format("{}: key '{}' does not apply to a {} resource: expected one of {}",
                                                 path, e.key, kind, join(allowed_for_kind, ", ")));
    }

    if (kind == "fifo") {
      out["path"] = name;
      if (auto p = view->find("path")) {
        out["path"] = ctx_.check.line(*p, path + ".path").value_or(name);
        check_workdir_path(ctx_, *p, path + ".path", out["path"].get<std::string>(), false);
      }
    }
    if (kind == "pipe" || kind == "fifo" || kind == "socketpair" || kind == "tcp_connection") {
      const bool pipe_kind = kind == "pipe" || kind == "fifo";
      const char* first = pipe_kind ? "read" : kind == "socketpair" ? "a" : "client";
      const char* second = pipe_kind ? "write" : kind == "socketpair" ? "b" : "server";
      for (const char* end : {first, second}) {
        std::string end_name = name.empty() ? std::string() : name + "." + end;
        out[end] = end_options(view->find(end), path + "." + end, end_name);
        if (!end_name.empty()) ctx_.ends.push_back({end_name, kind});
      }
      return out;
    }

    if (kind == "dup") {
      alias_options(*view, path, label, out);
      if (!name.empty()) ctx_.ends.push_back({name, kind});
      return out;
    }

    if (kind == "tcp_listener" || kind == "udp") {
      out["flags"] = flag_list(view->find("flags"), path + ".flags", {"nonblock"});
      fd_and_inheritable(*view, path, label, out);
      if (!name.empty()) ctx_.ends.push_back({name, kind});
      return out;
    }

    if (kind == "file" || kind == "devnull") {
      out["access"] = "rdwr";
      // `path` is O_PATH: a file only, and it can neither seek nor carry status flags.
      if (auto a = view->find("access"))
        out["access"] = (kind == "file" ? ctx_.check.choice(*a, path + ".access", {"rdonly", "wronly", "rdwr", "path"})
                                        : ctx_.check.choice(*a, path + ".access", {"rdonly", "wronly", "rdwr"}))
                            .value_or("rdwr");
    }
    if (kind == "file") {
      out["content"] = "";
      if (auto c = view->find("content")) {
        if (YamlChecker::is_null(*c)) out["content"] = "";
        else out["content"] = ctx_.check.string(*c, path + ".content").value_or("");
      }
      out["offset"] = 0;
      if (auto o = view->find("offset")) out["offset"] = ctx_.check.integer(*o, path + ".offset", 0, 1 << 30).value_or(0);
      out["flags"] = flag_list(view->find("flags"), path + ".flags", {"append", "nonblock", "sync"});
      // The file's permission bits, set after writing it (umask does not apply):
      // what an exec of it meets (EACCES without an execute bit).
      out["mode"] = nullptr;
      if (auto m = view->find("mode"); m && !YamlChecker::is_null(*m))
        if (auto octal = ctx_.check.octal(*m, path + ".mode", 07777)) out["mode"] = *octal;
      if (out["access"] == "path") {
        if (auto o = view->find("offset"); o && out["offset"] != 0)
          ctx_.check.error(*o, fmt::format("{}.offset: an O_PATH file (access: path) cannot seek: expected 0", path));
        if (auto f = view->find("flags"); f && !out["flags"].empty())
          ctx_.check.error(*f, fmt::format("{}.flags: an O_PATH file (access: path) has no status flags: expected none",
                                           path));
      }
    }
    if (kind == "file" || kind == "dir") {
      out["path"] = name;
      if (auto p = view->find("path")) {
        out["path"] = ctx_.check.line(*p, path + ".path").value_or(name);
        check_workdir_path(ctx_, *p, path + ".path", out["path"].get<std::string>(), false);
      }
    }
    fd_and_inheritable(*view, path, label, out);
    if (!name.empty()) ctx_.ends.push_back({name, kind});
    return out;
  }

  // A second fd for an earlier resource's open file description, made by one
  // of the runtime's dup calls, each with its own default for the
  // inheritable flag (os.dup: not inheritable; os.dup2: inheritable;
  // F_DUPFD: inheritable; F_DUPFD_CLOEXEC: not).
  void alias_options(const MapView& view, const std::string& path, const std::string& owner, nlohmann::json& out) {
    ctx_.check.require(view, path, {"of"});
    out["of"] = nullptr;
    if (auto of = view.find("of")) {
      if (auto source = ctx_.check.short_string(*of, path + ".of", max_resource_name_length + 6)) {
        const bool standard = *source == "parent.stdin" || *source == "parent.stdout" || *source == "parent.stderr";
        const bool earlier = std::any_of(ctx_.ends.begin(), ctx_.ends.end(),
                                         [&](const ResourceEnd& end) { return end.name == *source; });
        if (!standard && !earlier)
          ctx_.check.error(*of, fmt::format("{}.of: '{}' names no earlier resource: expected the name of a resource "
                                            "(or pipe end) listed before this one, or parent.stdin/stdout/stderr",
                                            path, shown(*source)));
        else
          out["of"] = *source;
      }
    }
    out["call"] = "dup";
    if (auto c = view.find("call"))
      out["call"] = ctx_.check.choice(*c, path + ".call", {"dup", "dup2", "fcntl_dupfd", "fcntl_dupfd_cloexec"})
                        .value_or("dup");
    const std::string call = out["call"].get<std::string>();
    fd_and_inheritable(view, path, owner, out);
    auto fd = view.find("fd");
    if (call == "dup2" && (!fd || YamlChecker::is_null(*fd)))
      ctx_.check.error(view.node, fmt::format("{}: call dup2 needs `fd`, the number to duplicate onto", path));
    if (call != "dup2" && fd && !YamlChecker::is_null(*fd))
      ctx_.check.error(*fd, fmt::format("{}.fd: call {} takes the lowest free fd{}: expected no `fd`{}", path, call,
                                        call == "dup" ? "" : " at or above min_fd",
                                        call == "dup" ? " (use call: dup2 to choose the number)" : " (use min_fd)"));
    out["min_fd"] = nullptr;
    if (auto m = view.find("min_fd"); m && !YamlChecker::is_null(*m)) {
      if (!call.starts_with("fcntl_"))
        ctx_.check.error(*m, fmt::format("{}.min_fd: only fcntl_dupfd and fcntl_dupfd_cloexec take a lowest fd", path));
      else
        out["min_fd"] = ctx_.fd_number(*m, path + ".min_fd").value_or(0);
    }
  }

  nlohmann::json end_options(const YAML::Node* node, const std::string& path, const std::string& end_name) {
    nlohmann::json out = {{"fd", nullptr}, {"inheritable", nullptr}, {"flags", nlohmann::json::array()}};
    if (!node || YamlChecker::is_null(*node)) return out;
    auto view = ctx_.check.map(*node, path, {"fd", "inheritable", "flags"});
    if (!view) return out;
    fd_and_inheritable(*view, path, end_name.empty() ? path : end_name, out);
    out["flags"] = flag_list(view->find("flags"), path + ".flags", {"nonblock"});
    return out;
  }

  void fd_and_inheritable(const MapView& view, const std::string& path, const std::string& owner,
                          nlohmann::json& out) {
    out["fd"] = nullptr;
    if (auto f = view.find("fd")) {
      if (!YamlChecker::is_null(*f)) {
        if (auto fd = ctx_.fd_number(*f, path + ".fd")) {
          if (auto used = fixed_fds_.find(*fd); used != fixed_fds_.end()) {
            ctx_.check.error(*f, fmt::format("{}.fd: fd {} is named twice: resource '{}' (line {}) already sits "
                                             "there; expected a free fd number",
                                             path, *fd, used->second.owner, used->second.line));
          } else {
            fixed_fds_[*fd] = {owner, f->Mark().line + 1};
            out["fd"] = *fd;
          }
        }
      }
    }
    // Absent: null, the flag the runtime's own call gives (non-inheritable under PEP 446 for a Python runtime);
    // drivers then leave it alone, so that default is what the child meets.
    out["inheritable"] = nullptr;
    if (auto i = view.find("inheritable"); i && !YamlChecker::is_null(*i))
      out["inheritable"] = ctx_.check.boolean(*i, path + ".inheritable").value_or(false);
  }

  nlohmann::json flag_list(const YAML::Node* node, const std::string& path,
                           std::initializer_list<std::string_view> allowed) {
    nlohmann::json out = nlohmann::json::array();
    if (!node || YamlChecker::is_null(*node)) return out;
    auto items = ctx_.check.sequence(*node, path);
    if (!items) return out;
    for (std::size_t i = 0; i < items->size(); ++i)
      if (auto f = ctx_.check.choice((*items)[i], fmt::format("{}[{}]", path, i), allowed)) out.push_back(*f);
    return out;
  }

  ValidationContext& ctx_;
  std::set<std::string> names_;
  std::map<long long, FixedFdUse> fixed_fds_;
};

}  // namespace

// The locale variables a scenario may start a driver with. Nothing else: the driver is a
// process of the machine, and a variable such as LD_PRELOAD would run code of the scenario's in it.
bool is_locale_variable(const std::string& name) {
  if (name == "LANG" || name == "LANGUAGE") return true;
  return name.size() > 3 && name.size() <= 32 && name.starts_with("LC_") &&
         std::all_of(name.begin() + 3, name.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
}

bool is_locale_value(const std::string& value) {
  return value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-' || c == '@' || c == ':';
         });
}

// parent.env.startup as a mapping: {set: {NAME: value}, unset: [NAME]} over the base environment.
nlohmann::json startup_environment(YamlChecker& check, const YAML::Node& node) {
  nlohmann::json out = {{"set", nlohmann::json::object()}, {"unset", nlohmann::json::array()}};
  auto view = check.map(node, "parent.env.startup", {"set", "unset"});
  if (!view) return out;
  const std::string expected = "LANG, LANGUAGE or LC_* (a driver starts with locale variables only)";
  if (auto set = view->find("set"); set && !YamlChecker::is_null(*set))
    if (auto vars = check.string_map(*set, "parent.env.startup.set"))
      for (const auto& [key, value] : *vars) {
        if (!is_locale_variable(key))
          check.error(*set, fmt::format("parent.env.startup.set: '{}' is not a locale variable: expected {}", shown(key),
                                        expected));
        else if (!is_locale_value(value))
          check.error(*set, fmt::format("parent.env.startup.set.{}: '{}' is not a locale name: expected letters, "
                                        "digits and . _ - @ :, at most 64",
                                        key, shown(value)));
        else
          out["set"][key] = value;
      }
  if (auto unset = view->find("unset"); unset && !YamlChecker::is_null(*unset))
    if (auto names = check.string_list(*unset, "parent.env.startup.unset"))
      for (const auto& name : *names) {
        if (!is_locale_variable(name))
          check.error(*unset, fmt::format("parent.env.startup.unset: '{}' is not a locale variable: expected {}",
                                          shown(name), expected));
        else
          out["unset"].push_back(name);
      }
  return out;
}

nlohmann::json validate_parent(ValidationContext& ctx, const YAML::Node* node) {
  nlohmann::json out = {
      {"umask", "022"},
      {"cwd", nullptr},
      {"env",
       {{"set", nlohmann::json::object()},
        {"unset", nlohmann::json::array()},
        {"putenv", nlohmann::json::object()},
        {"unsetenv", nlohmann::json::array()},
        {"startup", "clean"}}},
      {"close_std", nlohmann::json::array()},
      {"signals",
       {{"ignore", nlohmann::json::array()},
        {"catch", nlohmann::json::array()},
        {"default", nlohmann::json::array()},
        {"block", nlohmann::json::array()}}},
      {"resources", nlohmann::json::array()},
      {"nofile_limit", nullptr},
      {"credentials", nullptr},
      {"audit", false},
  };
  if (!node || YamlChecker::is_null(*node)) return out;
  auto& check = ctx.check;
  auto view = check.map(*node, "parent",
                        {"umask", "cwd", "env", "close_std", "signals", "resources", "nofile_limit", "credentials",
                         "audit"});
  if (!view) return out;
  // Python's audit events the spawn raises, recorded by a hook the scenario parent adds first
  // (sys.addaudithook, 3.8+): only a column with the audit_events feature can honour it (the loader
  // asks for `requires.features: [audit_events]`).
  if (auto a = view->find("audit")) out["audit"] = check.boolean(*a, "parent.audit").value_or(false);

  if (auto u = view->find("umask")) out["umask"] = check.octal(*u, "parent.umask", 0777).value_or("022");
  if (auto env = view->find("env"); env && !YamlChecker::is_null(*env)) {
    if (auto e = check.map(*env, "parent.env", {"startup", "set", "unset", "putenv", "unsetenv"})) {
      // clean: the base environment only; keep: what the driver process had once
      // its runtime started (a Python 3.7+ adds LC_CTYPE=C.UTF-8 under LANG=C).
      // A mapping: keep, with the driver started in the base environment changed
      // so (locale variables only), as `startup_env` the runner starts it with.
      if (auto st = e->find("startup"); st && !YamlChecker::is_null(*st)) {
        if (st->IsMap()) {
          out["env"]["startup"] = "keep";
          out["env"]["startup_env"] = startup_environment(check, *st);
        } else {
          out["env"]["startup"] = check.choice(*st, "parent.env.startup", {"clean", "keep"}).value_or("clean");
        }
      }
      // set/unset go through the runtime's environment mapping (os.environ), which
      // writes the C environ too; putenv/unsetenv change the C environ alone.
      for (const char* key : {"set", "putenv"}) {
        auto vars_node = e->find(key);
        if (!vars_node || YamlChecker::is_null(*vars_node)) continue;
        const std::string where = fmt::format("parent.env.{}", key);
        if (auto vars = check.string_map(*vars_node, where))
          for (const auto& [k, v] : *vars) out["env"][key][k] = v;  // string_map refuses empty names and '='

      }
      for (const char* key : {"unset", "unsetenv"}) {
        auto names_node = e->find(key);
        if (!names_node || YamlChecker::is_null(*names_node)) continue;
        if (auto names = check.string_list(*names_node, fmt::format("parent.env.{}", key))) out["env"][key] = *names;
      }
    }
  }
  if (auto cs = view->find("close_std"); cs && !YamlChecker::is_null(*cs)) {
    if (auto items = check.sequence(*cs, "parent.close_std")) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto fd = check.integer((*items)[i], fmt::format("parent.close_std[{}]", i), 0, 2);
        if (!fd) continue;
        if (std::find(out["close_std"].begin(), out["close_std"].end(), *fd) != out["close_std"].end())
          check.error((*items)[i], fmt::format("parent.close_std[{}]: fd {} is listed twice", i, *fd));
        else
          out["close_std"].push_back(*fd);
      }
    }
  }
  if (auto sig = view->find("signals"); sig && !YamlChecker::is_null(*sig)) {
    if (auto s = check.map(*sig, "parent.signals", {"ignore", "catch", "default", "block"})) {
      for (const auto& e : s->entries) {
        if (YamlChecker::is_null(e.value)) continue;
        out["signals"][e.key] = validate_signal_list(ctx, e.value, "parent.signals." + e.key, e.key != "block");
      }
    }
  }
  if (auto r = view->find("resources"); r && !YamlChecker::is_null(*r)) {
    ResourceValidator resources(ctx);
    out["resources"] = resources.resources(*r);
  }
  if (auto c = view->find("cwd"); c && !YamlChecker::is_null(*c)) {
    out["cwd"] = check.line(*c, "parent.cwd").value_or("");
    check_workdir_path(ctx, *c, "parent.cwd", out["cwd"].get<std::string>(), false);
  }
  // The lower bound leaves a scenario parent room for its own pipes; a limit
  // above the driver's own is raised before the resources are made, so they
  // may take fds up to it (docs/SCENARIO_FORMAT.md).
  if (auto n = view->find("nofile_limit"); n && !YamlChecker::is_null(*n))
    if (auto limit = check.integer(*n, "parent.nofile_limit", min_nofile_limit, max_nofile_limit))
      out["nofile_limit"] = *limit;
  // The parent's ids, set last: real and effective user and group, and the
  // supplementary groups. Changing them needs root, so the scenario must say
  // `requires: {root: true}` (checked by the loader).
  if (auto c = view->find("credentials"); c && !YamlChecker::is_null(*c)) {
    if (auto creds = check.map(*c, "parent.credentials", {"uid", "euid", "gid", "egid", "groups"})) {
      nlohmann::json ids = nlohmann::json::object();
      for (const char* key : {"uid", "euid", "gid", "egid"})
        if (auto v = creds->find(key); v && !YamlChecker::is_null(*v))
          if (auto id = check.integer(*v, std::string("parent.credentials.") + key, 0, 4294967294LL)) ids[key] = *id;
      if (auto g = creds->find("groups"); g && !YamlChecker::is_null(*g)) {
        ids["groups"] = nlohmann::json::array();
        if (auto items = check.sequence(*g, "parent.credentials.groups"))
          for (std::size_t i = 0; i < items->size(); ++i)
            if (auto id = check.integer((*items)[i], fmt::format("parent.credentials.groups[{}]", i), 0, 4294967294LL))
              ids["groups"].push_back(*id);
      }
      if (creds->entries.empty())
        check.error(*c, "parent.credentials: expected at least one of uid, euid, gid, egid, groups");
      out["credentials"] = ids;
    }
  }
  return out;
}

}  // namespace fdconform
