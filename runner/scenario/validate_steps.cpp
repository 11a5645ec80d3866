// The `steps:` section (docs/SCENARIO_FORMAT.md "Steps: more than one spawn"): named spawns, Popen method
// calls, waits, and single os calls in the scenario parent, run in this order by one scenario parent; and
// together steps, a few of those run at once in threads of their own ("Threads: steps run together").
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>
#include <vector>

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

void collect_spawn_name(ValidationContext& ctx, const YAML::Node& item, std::size_t k,
                        std::optional<std::size_t> entry, bool nested = false) {
  auto spawn = peek(item, "spawn");
  if (!spawn) return;
  auto name = peek(*spawn, "name");
  if (!name || !name->IsScalar()) return;
  const std::string text = name->Scalar();
  if (usable_name(text) && !ctx.find_spawn(text)) ctx.spawn_steps.push_back({text, k, entry, {}, {}, nested});
  // The spawns inside its fork_exec child, listed right after it.
  auto fork_exec = peek(*spawn, "fork_exec");
  auto child_steps = fork_exec ? peek(*fork_exec, "steps") : std::nullopt;
  if (nested || entry || !child_steps || !child_steps->IsSequence()) return;
  const YAML::Node steps = *child_steps;
  for (std::size_t i = 0; i < steps.size() && i < max_steps; ++i) collect_spawn_name(ctx, steps[i], k, entry, true);
}

// Before the steps are read: the names of all spawn steps and of the spawns inside together steps (the
// first of each name), so that a step naming a later spawn hears that it is later. The main pass reports
// whatever is wrong with them.
void collect_spawn_names(ValidationContext& ctx, const std::vector<YAML::Node>& items) {
  for (std::size_t k = 0; k < items.size(); ++k) {
    collect_spawn_name(ctx, items[k], k, std::nullopt);
    auto together = peek(items[k], "together");
    if (!together || !together->IsSequence()) continue;
    const YAML::Node entries = *together;
    for (std::size_t j = 0; j < entries.size() && j < max_together_entries; ++j)
      collect_spawn_name(ctx, entries[j], k, j);
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

// The one block of a spawn besides its name (popen, posix_spawn, posix_spawnp or fork_exec), or nullptr
// after saying what is wrong. With no known kind because of an unknown key, that key was already reported.
const MapEntry* spawn_kind(ValidationContext& ctx, const YAML::Node& node, const MapView& view,
                           const std::string& path) {
  std::vector<const MapEntry*> kinds;
  for (const auto& e : view.entries)
    if (e.key != "name") kinds.push_back(&e);
  if (kinds.size() > 1 || (kinds.empty() && node.size() == view.entries.size()))
    ctx.check.error(node, fmt::format("{}: expected exactly one of popen, posix_spawn, posix_spawnp, fork_exec, got {}",
                                      path, kinds.size()));
  return kinds.empty() ? nullptr : kinds.front();
}

// A spawn inside the fork_exec child of spawn step k: a name and one block, which holds no spawn of its own.
nlohmann::json nested_spawn(ValidationContext& ctx, const YAML::Node& node, std::size_t k, const std::string& path) {
  auto view = ctx.check.map(node, path, {"name", "popen", "posix_spawn", "posix_spawnp", "fork_exec"});
  if (!view) return nullptr;
  ctx.check.require(*view, path, {"name"});
  nlohmann::json out = {{"name", nullptr}};
  SpawnStep* self = nullptr;
  if (auto n = view->find("name"))
    if (auto name = ctx.check.short_string(*n, path + ".name", max_spawn_name_length)) {
      const SpawnStep* first = ctx.find_spawn(*name);
      if (!usable_name(*name))
        ctx.check.error(*n, fmt::format("{}.name: expected a name matching [a-z][a-z0-9_]*, not one of {}, got '{}'",
                                        path, reserved_list, shown(*name)));
      else if (first && !(first->nested && first->step == k))
        ctx.check.error(*n, fmt::format("{}.name: duplicate spawn name '{}' ({} has it): each spawn needs its own "
                                        "name",
                                        path, *name, first->place()));
      else {
        out["name"] = *name;
        for (auto& s : ctx.spawn_steps)
          if (s.name == *name) self = &s;
      }
    }
  const MapEntry* kind = spawn_kind(ctx, node, *view, path);
  if (!kind) return out;
  const MapEntry& e = *kind;
  auto handler = std::move(ctx.nested_spawn);  // one level: the block below cannot hold a spawn
  ctx.nested_spawn = nullptr;
  out[e.key] = validate_spawn_kind(ctx, e.key, e.value, path + "." + e.key);
  ctx.nested_spawn = std::move(handler);
  if (self) self->kind = e.key;
  return out;
}

// `entry`: its index inside the together step k, if it is in one. The parent-side ends of its pipes go to
// `new_ends`: the caller makes them resources once the step is over (a together's, after all its entries).
nlohmann::json spawn_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k,
                          std::optional<std::size_t> entry, const std::string& path,
                          std::vector<ResourceEnd>& new_ends) {
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
      } else if (first && (first->step != k || first->entry != entry)) {
        ctx.check.error(*n, fmt::format("{}.name: duplicate spawn name '{}' ({} has it): each spawn needs its "
                                        "own name",
                                        path, *name, first->place()));
      } else {
        out["name"] = *name;
        for (auto& s : ctx.spawn_steps)
          if (s.step == k && s.entry == entry) self = &s;
      }
    }
  }
  const MapEntry* kind = spawn_kind(ctx, node, *view, path);
  if (!kind) return {{"spawn", out}};
  const MapEntry& e = *kind;
  if (e.key == "fork_exec" && !entry) ctx.nested_spawn = [&ctx, k](const YAML::Node& inner, const std::string& at) {
    return nested_spawn(ctx, inner, k, at);
  };
  out[e.key] = validate_spawn_kind(ctx, e.key, e.value, path + "." + e.key);
  ctx.nested_spawn = nullptr;
  if (self) {
    self->kind = e.key;
    // The parent-side ends of its pipes: resources for the steps after this one.
    if (e.key == "popen")
      for (const char* stream : {"stdin", "stdout", "stderr"})
        if (out[e.key][stream] == "pipe") {
          self->pipes.push_back(stream);
          new_ends.push_back({self->name + "." + stream, "pipe"});
        }
  }
  return {{"spawn", out}};
}

// A spawn inside a fork_exec child is that child's: the scenario parent cannot call or wait on it.
std::string nested_refusal(const SpawnStep& spawn) {
  return fmt::format("'{}' is spawned inside the fork_exec child of {}: the scenario parent is not its parent, so "
                     "no call or wait can name it",
                     spawn.name, spawn.place());
}

// In a together step (`in_together`), a spawn of that same step is refused: its thread may not have spawned yet.
std::string same_together(const SpawnStep& spawn, std::string_view kinds, const ValidationContext& ctx,
                          std::size_t k, bool popen_only) {
  return fmt::format("'{}' names a spawn of the same together step ({}): its child may not have started; name a "
                     "{}spawn of an earlier step: {}",
                     spawn.name, spawn.place(), kinds, earlier_spawns(ctx, k, popen_only));
}

nlohmann::json call_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k, bool in_together,
                         const std::string& path) {
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
      else if (spawn->nested)
        ctx.check.error(*c, fmt::format("{}.child: {}", path, nested_refusal(*spawn)));
      else if (spawn->step == k && in_together)
        ctx.check.error(*c, fmt::format("{}.child: {}", path, same_together(*spawn, "popen ", ctx, k, true)));
      else if (spawn->step >= k)
        ctx.check.error(*c, fmt::format("{}.child: '{}' is spawned by a later step ({}): expected an earlier "
                                        "popen spawn: {}",
                                        path, *name, spawn->place(), earlier_spawns(ctx, k, true)));
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

nlohmann::json wait_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k, bool in_together,
                         const std::string& path) {
  auto name = ctx.check.string(node, path);
  if (!name) return nullptr;
  const SpawnStep* spawn = ctx.find_spawn(*name);
  if (!spawn) {
    ctx.check.error(node, fmt::format("{}: '{}' names no spawn step: expected an earlier spawn: {}", path, shown(*name),
                                      earlier_spawns(ctx, k, false)));
    return nullptr;
  }
  if (spawn->nested) {
    ctx.check.error(node, fmt::format("{}: {}", path, nested_refusal(*spawn)));
    return nullptr;
  }
  if (spawn->step == k && in_together) {
    ctx.check.error(node, fmt::format("{}: {}", path, same_together(*spawn, "", ctx, k, false)));
    return nullptr;
  }
  if (spawn->step >= k) {
    ctx.check.error(node, fmt::format("{}: '{}' is spawned by a later step ({}): expected an earlier spawn: {}",
                                      path, *name, spawn->place(), earlier_spawns(ctx, k, false)));
    return nullptr;
  }
  return {{"wait", *name}};
}

// One os call in the scenario parent: os.close, os.set_inheritable, os.get_inheritable, os.dup2, or churn
// (open /dev/null COUNT times and close each fd at once: docs/SCENARIO_FORMAT.md "Threads").
nlohmann::json parent_step(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  auto view = ctx.check.map(node, path, {"close", "set_inheritable", "get_inheritable", "dup2", "churn"});
  if (!view) return nullptr;
  if (view->entries.size() != 1) {
    if (view->entries.size() > 1 || node.size() == 0)
      ctx.check.error(node, fmt::format("{}: expected exactly one of close, set_inheritable, get_inheritable, dup2, "
                                        "churn",
                                        path));
    return nullptr;
  }
  const auto& e = view->entries.front();
  const std::string call_path = path + "." + e.key;
  if (e.key == "churn") {
    auto args = ctx.check.map(e.value, call_path, {"count", "inheritable"});
    if (!args) return nullptr;
    ctx.check.require(*args, call_path, {"count", "inheritable"});
    nlohmann::json out = {{"count", nullptr}, {"inheritable", nullptr}};
    if (auto c = args->find("count"))
      if (auto n = ctx.check.integer(*c, call_path + ".count", 1, max_churn_count)) out["count"] = *n;
    if (auto i = args->find("inheritable"))
      if (auto b = ctx.check.boolean(*i, call_path + ".inheritable")) out["inheritable"] = *b;
    return {{"parent", {{"churn", out}}}};
  }
  auto args = fd_call_arguments(ctx, e.key, e.value, call_path);
  if (args.is_null()) return nullptr;
  return {{"parent", {{e.key, args}}}};
}

// The child a call or wait step names (the validated one), and where that name is written; nullopt for
// other steps and for a child that was refused.
std::optional<std::pair<std::string, YAML::Node>> named_child(const MapEntry& e, const nlohmann::json& step) {
  if (e.key == "call" && step.is_object() && step["call"]["child"].is_string())
    if (auto node = peek(e.value, "child")) return std::pair{step["call"]["child"].get<std::string>(), *node};
  if (e.key == "wait" && step.is_object() && step["wait"].is_string())
    return std::pair{step["wait"].get<std::string>(), e.value};
  return std::nullopt;
}

// One spawn, call, wait or parent step, at `path` ("steps[3].call", "steps[3].together[1].call").
nlohmann::json plain_step(ValidationContext& ctx, const MapEntry& e, std::size_t k, std::optional<std::size_t> entry,
                          const std::string& path, std::vector<ResourceEnd>& new_ends, std::size_t& spawns) {
  if (e.key == "spawn") {
    ++spawns;
    return spawn_step(ctx, e.value, k, entry, path, new_ends);
  }
  if (e.key == "call") return call_step(ctx, e.value, k, entry.has_value(), path);
  if (e.key == "wait") return wait_step(ctx, e.value, k, entry.has_value(), path);
  return parent_step(ctx, e.value, path);
}

// `together: [STEP, ...]`: 2 to 8 spawn, call, wait or parent steps run at once, one thread each
// (docs/SCENARIO_FORMAT.md "Threads"). `counted`: how many entries it holds, for the limit on steps.
nlohmann::json together_step(ValidationContext& ctx, const YAML::Node& node, std::size_t k, const std::string& path,
                             std::size_t& counted, std::size_t& spawns) {
  auto items = ctx.check.sequence(node, path);
  if (!items) {
    counted = 1;
    return nullptr;
  }
  counted = std::max<std::size_t>(items->size(), 1);
  if (items->size() < min_together_entries) {
    ctx.check.error(node, fmt::format("{}: {} {}: expected {} to {} steps to run together", path, items->size(),
                                      items->size() == 1 ? "entry" : "entries", min_together_entries,
                                      max_together_entries));
  } else if (items->size() > max_together_entries) {
    // As for `steps`, only the first ones are read.
    ctx.check.error(node, fmt::format("{}: {} entries: expected at most {} steps to run together", path,
                                      items->size(), max_together_entries));
    items->resize(max_together_entries);
  }
  ctx.entry_kinds[k].assign(items->size(), "");
  nlohmann::json out = nlohmann::json::array();
  std::vector<ResourceEnd> new_ends;
  std::vector<std::pair<std::string, std::string>> children;  // a child called or waited on, and by which entry
  for (std::size_t j = 0; j < items->size(); ++j) {
    const YAML::Node& item = (*items)[j];
    const std::string entry_path = fmt::format("{}[{}]", path, j);
    // `together` is a known key here only to be refused with a reason; elsewhere it is not offered.
    const bool nested = peek(item, "together").has_value();
    auto view = nested ? ctx.check.map(item, entry_path, {"spawn", "call", "wait", "parent", "together"})
                       : ctx.check.map(item, entry_path, {"spawn", "call", "wait", "parent"});
    if (!view) continue;
    if (view->entries.size() != 1) {
      if (view->entries.size() > 1 || item.size() == 0)
        ctx.check.error(item, fmt::format("{}: expected exactly one of spawn, call, wait, parent, got {}", entry_path,
                                          view->entries.size()));
      continue;
    }
    const auto& e = view->entries.front();
    if (e.key == "together") {
      ctx.check.error(e.key_node, fmt::format("{}: a together step cannot hold another together: write its entries "
                                              "into this one, or make it a step of its own",
                                              entry_path));
      continue;
    }
    ctx.entry_kinds[k][j] = e.key;
    const std::string step_path = entry_path + "." + e.key;
    nlohmann::json step = plain_step(ctx, e, k, j, step_path, new_ends, spawns);
    if (auto child = named_child(e, step)) {
      auto other = std::find_if(children.begin(), children.end(),
                                [&](const auto& c) { return c.first == child->first; });
      if (other != children.end())
        ctx.check.error(child->second, fmt::format("{}: '{}' is called or waited on by {} too: two entries of one "
                                                   "together step may not both call or wait on the same child",
                                                   step_path, child->first, other->second));
      else
        children.emplace_back(child->first, step_path);
    }
    if (!step.is_null()) out.push_back(std::move(step));
  }
  // Its spawns' pipe ends exist once the step is over: the steps after it may name them.
  ctx.ends.insert(ctx.ends.end(), new_ends.begin(), new_ends.end());
  return {{"together", out}};
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
  const bool too_many = items->size() > max_steps;
  if (too_many) {
    // Only the first ones are read: a stranger's file could otherwise hold tens of thousands of spawns,
    // and every lookup and message goes over all of them.
    ctx.check.error(node, fmt::format("steps: {} steps: expected at most {}", items->size(), max_steps));
    items->resize(max_steps);
  }
  collect_spawn_names(ctx, *items);
  ctx.step_kinds.assign(items->size(), "");
  ctx.entry_kinds.assign(items->size(), {});
  std::size_t spawns = 0;
  std::size_t counted = 0;  // steps, each entry of a together step counted once
  for (std::size_t k = 0; k < items->size(); ++k) {
    ctx.current_step = k;
    const YAML::Node& item = (*items)[k];
    const std::string path = fmt::format("steps[{}]", k);
    auto view = ctx.check.map(item, path, {"spawn", "call", "wait", "parent", "together"});
    ++counted;
    if (!view) continue;
    if (view->entries.size() != 1) {
      // With no known key, the unknown one was already reported.
      if (view->entries.size() > 1 || item.size() == 0)
        ctx.check.error(item, fmt::format("{}: expected exactly one of spawn, call, wait, parent, together, got {}",
                                          path, view->entries.size()));
      continue;
    }
    const auto& e = view->entries.front();
    ctx.step_kinds[k] = e.key;
    const std::string step_path = path + "." + e.key;
    nlohmann::json step;
    if (e.key == "together") {
      std::size_t entries = 1;
      step = together_step(ctx, e.value, k, step_path, entries, spawns);
      counted += entries - 1;
    } else {
      std::vector<ResourceEnd> new_ends;
      step = plain_step(ctx, e, k, std::nullopt, step_path, new_ends, spawns);
      ctx.ends.insert(ctx.ends.end(), new_ends.begin(), new_ends.end());
    }
    if (!step.is_null()) out.push_back(std::move(step));
  }
  ctx.current_step = items->size();
  if (!too_many && counted > max_steps)
    ctx.check.error(node, fmt::format("steps: {} steps, each entry of a together step counted once: expected at "
                                      "most {}",
                                      counted, max_steps));
  // The spawns inside fork_exec children count too: each is a child to observe.
  spawns += static_cast<std::size_t>(
      std::count_if(ctx.spawn_steps.begin(), ctx.spawn_steps.end(), [](const SpawnStep& s) { return s.nested; }));
  if (spawns > max_spawn_steps)
    ctx.check.error(node, fmt::format("steps: {} spawn steps: expected at most {}", spawns, max_spawn_steps));
  return out;
}

}  // namespace fdconform
