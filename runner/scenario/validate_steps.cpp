// The `steps:` section (docs/SCENARIO_FORMAT.md "Steps: more than one spawn"): named spawns, Popen method
// calls, waits, and single os calls in the scenario parent, run in this order by one scenario parent.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "fdconform_common/signal_names.hpp"
#include "scenario/validation_context.hpp"

namespace fdconform {
namespace {

// Observation fields begin with these, so a spawn of that name would make `NAME.fds` ambiguous.
constexpr std::array<std::string_view, 6> reserved_names = {"child", "parent", "parent_after", "outcome", "step", "steps"};
constexpr std::string_view reserved_list = "child, parent, parent_after, outcome, step, steps";

bool is_reserved(std::string_view name) {
  return std::find(reserved_names.begin(), reserved_names.end(), name) != reserved_names.end();
}

bool usable_name(const std::string& name) {
  return name.size() <= max_spawn_name_length && is_resource_name(name) && !is_reserved(name);
}

// The value under `key` of a mapping, read without creating nodes or reporting anything.
std::optional<YAML::Node> peek(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node k = it->first;  // a copy: the iterator hands out a temporary
    if (k.IsScalar() && k.Scalar() == key) return YAML::Node(it->second);
  }
  return std::nullopt;
}

// Before the steps are read: the names of all spawn steps (the first of each name), so that a step naming
// a later spawn hears that it is later. The main pass reports whatever is wrong with them.
void collect_spawn_names(ValidationContext& ctx, const std::vector<YAML::Node>& items) {
  for (std::size_t k = 0; k < items.size(); ++k) {
    auto spawn = peek(items[k], "spawn");
    if (!spawn) continue;
    auto name = peek(*spawn, "name");
    if (!name || !name->IsScalar()) continue;
    const std::string text = name->Scalar();
    if (usable_name(text) && !ctx.find_spawn(text)) ctx.spawn_steps.push_back({text, k, {}, {}});
  }
}

// "holder, second" for messages: the spawns before `step`, of kind popen when `popen_only`.
std::string earlier_spawns(const ValidationContext& ctx, std::size_t step, bool popen_only) {
  std::vector<std::string> names;
  for (const auto& s : ctx.spawn_steps)
    if (s.step < step && (!popen_only || s.kind == "popen")) names.push_back(s.name);
  if (names.empty()) return popen_only ? "(no popen spawn comes before this step)" : "(no spawn comes before this step)";
  return join(names, ", ");
}

nlohmann::json spawn_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k, const std::string& path) {
  auto view = ctx.check.map(node, path, {"name", "popen", "posix_spawn", "posix_spawnp", "fork_exec"});
  if (!view) return nullptr;
  ctx.check.require(*view, path, {"name"});
  nlohmann::json out = {{"name", nullptr}};
  SpawnStep* self = nullptr;
  if (auto n = view->find("name")) {
    if (auto name = ctx.check.short_string(*n, path + ".name", max_spawn_name_length)) {
      const SpawnStep* first = ctx.find_spawn(*name);
      if (!is_resource_name(*name)) {
        ctx.check.error(*n, fmt::format("{}.name: expected a name matching [a-z][a-z0-9_]*, got '{}'", path,
                                        shown(*name)));
      } else if (is_reserved(*name)) {
        ctx.check.error(*n, fmt::format("{}.name: '{}' is reserved (observation fields begin with it): expected a "
                                        "name other than {}",
                                        path, *name, reserved_list));
      } else if (first && first->step != k) {
        ctx.check.error(*n, fmt::format("{}.name: duplicate spawn name '{}' (steps[{}] has it): each spawn needs its "
                                        "own name",
                                        path, *name, first->step));
      } else {
        out["name"] = *name;
        for (auto& s : ctx.spawn_steps)
          if (s.step == k) self = &s;
      }
    }
  }
  std::vector<const MapEntry*> kinds;
  for (const auto& e : view->entries)
    if (e.key != "name") kinds.push_back(&e);
  // With no known kind because of an unknown key, that key was already reported.
  if (kinds.size() > 1 || (kinds.empty() && node.size() == view->entries.size()))
    ctx.check.error(node, fmt::format("{}: expected exactly one of popen, posix_spawn, posix_spawnp, fork_exec, got {}",
                                      path, kinds.size()));
  if (kinds.empty()) return {{"spawn", out}};
  const MapEntry& e = *kinds.front();
  out[e.key] = validate_spawn_kind(ctx, e.key, e.value, path + "." + e.key);
  if (self) {
    self->kind = e.key;
    // The parent-side ends of its pipes: resources for the steps after this one.
    if (e.key == "popen")
      for (const char* stream : {"stdin", "stdout", "stderr"})
        if (out[e.key][stream] == "pipe") {
          self->pipes.push_back(stream);
          ctx.ends.push_back({self->name + "." + stream, "pipe"});
        }
  }
  return {{"spawn", out}};
}

nlohmann::json call_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k, const std::string& path) {
  auto view = ctx.check.map(node, path, {"child", "method", "signal"});
  if (!view) return nullptr;
  ctx.check.require(*view, path, {"child", "method"});
  nlohmann::json out = {{"child", nullptr}, {"method", nullptr}, {"signal", nullptr}};
  if (auto c = view->find("child")) {
    if (auto name = ctx.check.string(*c, path + ".child")) {
      const SpawnStep* spawn = ctx.find_spawn(*name);
      if (!spawn)
        ctx.check.error(*c, fmt::format("{}.child: '{}' names no spawn step: expected an earlier popen spawn: {}", path,
                                        shown(*name), earlier_spawns(ctx, k, true)));
      else if (spawn->step >= k)
        ctx.check.error(*c, fmt::format("{}.child: '{}' is spawned by a later step (steps[{}]): expected an earlier "
                                        "popen spawn: {}",
                                        path, *name, spawn->step, earlier_spawns(ctx, k, true)));
      else if (!spawn->kind.empty() && spawn->kind != "popen")
        ctx.check.error(*c, fmt::format("{}.child: '{}' is a {} spawn: calls need a popen spawn (a Popen object); "
                                        "use `wait: {}` to wait for it",
                                        path, *name, spawn->kind, *name));
      else
        out["child"] = *name;
    }
  }
  std::optional<std::string> method;
  if (auto m = view->find("method"))
    method = ctx.check.choice(*m, path + ".method",
                              {"poll", "wait", "communicate", "send_signal", "terminate", "kill", "returncode"});
  if (method) out["method"] = *method;
  const YAML::Node* signal = view->find("signal");
  if (method && *method == "send_signal" && !signal)
    ctx.check.error(node, fmt::format("{}: method send_signal needs `signal`, the signal to send (such as SIGUSR1)",
                                      path));
  if (signal && method && *method != "send_signal") {
    ctx.check.error(*signal, fmt::format("{}.signal: only method send_signal takes a signal: expected no `signal` "
                                         "with method {}",
                                         path, *method));
  } else if (signal) {
    if (auto name = ctx.check.string(*signal, path + ".signal")) {
      if (fdconform_common::signal_number(*name))
        out["signal"] = *name;
      else
        ctx.check.error(*signal, fmt::format("{}.signal: unknown signal name '{}': expected SIGHUP ... SIGSYS, "
                                             "SIGRTMIN, SIGRTMIN+N, SIGRTMAX-N or SIGRTMAX",
                                             path, shown(*name)));
    }
  }
  return {{"call", out}};
}

nlohmann::json wait_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k, const std::string& path) {
  auto name = ctx.check.string(node, path);
  if (!name) return nullptr;
  const SpawnStep* spawn = ctx.find_spawn(*name);
  if (!spawn) {
    ctx.check.error(node, fmt::format("{}: '{}' names no spawn step: expected an earlier spawn: {}", path, shown(*name),
                                      earlier_spawns(ctx, k, false)));
    return nullptr;
  }
  if (spawn->step >= k) {
    ctx.check.error(node, fmt::format("{}: '{}' is spawned by a later step (steps[{}]): expected an earlier spawn: {}",
                                      path, *name, spawn->step, earlier_spawns(ctx, k, false)));
    return nullptr;
  }
  return {{"wait", *name}};
}

// One os call in the scenario parent: os.close, os.set_inheritable, os.get_inheritable, os.dup2.
nlohmann::json parent_step(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  auto view = ctx.check.map(node, path, {"close", "set_inheritable", "get_inheritable", "dup2"});
  if (!view) return nullptr;
  if (view->entries.size() != 1) {
    if (view->entries.size() > 1 || node.size() == 0)
      ctx.check.error(node, fmt::format("{}: expected exactly one of close, set_inheritable, get_inheritable, dup2",
                                        path));
    return nullptr;
  }
  const auto& e = view->entries.front();
  const std::string call_path = path + "." + e.key;
  if (e.key == "close" || e.key == "get_inheritable") {
    if (auto ref = ctx.fd_reference(e.value, call_path)) return {{"parent", {{e.key, *ref}}}};
    return nullptr;
  }
  if (e.key == "set_inheritable") {
    auto args = ctx.check.map(e.value, call_path, {"fd", "value"});
    if (!args) return nullptr;
    ctx.check.require(*args, call_path, {"fd", "value"});
    nlohmann::json out = {{"fd", nullptr}, {"value", nullptr}};
    if (auto fd = args->find("fd"))
      if (auto ref = ctx.fd_reference(*fd, call_path + ".fd")) out["fd"] = *ref;
    if (auto v = args->find("value"))
      if (auto b = ctx.check.boolean(*v, call_path + ".value")) out["value"] = *b;
    return {{"parent", {{"set_inheritable", out}}}};
  }
  auto args = ctx.check.map(e.value, call_path, {"fd", "to", "inheritable"});
  if (!args) return nullptr;
  ctx.check.require(*args, call_path, {"fd", "to"});
  nlohmann::json out = {{"fd", nullptr}, {"to", nullptr}, {"inheritable", true}};
  if (auto fd = args->find("fd"))
    if (auto ref = ctx.fd_reference(*fd, call_path + ".fd")) out["fd"] = *ref;
  if (auto to = args->find("to"))
    if (auto n = ctx.fd_number(*to, call_path + ".to")) out["to"] = *n;
  if (auto i = args->find("inheritable"))
    if (auto b = ctx.check.boolean(*i, call_path + ".inheritable")) out["inheritable"] = *b;
  return {{"parent", {{"dup2", out}}}};
}

}  // namespace

nlohmann::json validate_steps(ValidationContext& ctx, const YAML::Node& node) {
  nlohmann::json out = nlohmann::json::array();
  ctx.steps_scenario = true;
  auto items = ctx.check.sequence(node, "steps");
  if (!items) return out;
  if (items->empty()) {
    ctx.check.error(node, "steps: expected a non-empty list of steps");
    return out;
  }
  if (items->size() > max_steps) {
    // Only the first ones are read: a stranger's file could otherwise hold tens of thousands of spawns,
    // and every lookup and message goes over all of them.
    ctx.check.error(node, fmt::format("steps: {} steps: expected at most {}", items->size(), max_steps));
    items->resize(max_steps);
  }
  collect_spawn_names(ctx, *items);
  ctx.step_kinds.assign(items->size(), "");
  std::size_t spawns = 0;
  for (std::size_t k = 0; k < items->size(); ++k) {
    ctx.current_step = k;
    const YAML::Node& item = (*items)[k];
    const std::string path = fmt::format("steps[{}]", k);
    auto view = ctx.check.map(item, path, {"spawn", "call", "wait", "parent"});
    if (!view) continue;
    if (view->entries.size() != 1) {
      // With no known key, the unknown one was already reported.
      if (view->entries.size() > 1 || item.size() == 0)
        ctx.check.error(item, fmt::format("{}: expected exactly one of spawn, call, wait, parent, got {}", path,
                                          view->entries.size()));
      continue;
    }
    const auto& e = view->entries.front();
    ctx.step_kinds[k] = e.key;
    const std::string step_path = path + "." + e.key;
    nlohmann::json step;
    if (e.key == "spawn") {
      ++spawns;
      step = spawn_step(ctx, e.value, k, step_path);
    } else if (e.key == "call") {
      step = call_step(ctx, e.value, k, step_path);
    } else if (e.key == "wait") {
      step = wait_step(ctx, e.value, k, step_path);
    } else {
      step = parent_step(ctx, e.value, step_path);
    }
    if (!step.is_null()) out.push_back(std::move(step));
  }
  ctx.current_step = items->size();
  if (spawns > max_spawn_steps)
    ctx.check.error(node, fmt::format("steps: {} spawn steps: expected at most {}", spawns, max_spawn_steps));
  return out;
}

}  // namespace fdconform
