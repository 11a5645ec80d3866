// The `expect:` section: explicit expectations checked against every implementation.
#include <fmt/format.h>

#include <algorithm>

#include "normalize/field_names.hpp"
#include "scenario/validation_context.hpp"

namespace fdconform {
namespace {

// Names an observation may give an fd (docs/SCENARIO_FORMAT.md "Resource names in observations").
bool is_observed_name(const ValidationContext& ctx, const std::string& name) {
  static const std::vector<std::string> fixed = {"parent.stdin", "parent.stdout", "parent.stderr", "popen.pipe",
                                                 "devnull"};
  if (std::find(fixed.begin(), fixed.end(), name) != fixed.end()) return true;
  if (name.starts_with("unknown:") && name.size() > 8) return true;
  return ctx.find_end(name) != nullptr;
}

// A step or entry number in a field name: 1 to 999, written without leading zeros; 0 when it is not one.
std::size_t field_index(std::string_view text) {
  const bool digits = !text.empty() && text.size() <= 3 && text[0] != '0' &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits ? std::stoul(std::string(text)) : 0;
}

// Why `key` (step.K or step.K.J, each optionally followed by .error_class) names no step result, or empty
// when it names one: step.K for a call, wait or parent step, step.K.J for entry J of a together step K when
// that entry is a call, wait or parent step.
std::string step_field_problem(const ValidationContext& ctx, const std::string& key) {
  std::string_view rest = std::string_view(key).substr(5);
  if (constexpr std::string_view class_suffix = ".error_class"; rest.ends_with(class_suffix))
    rest.remove_suffix(class_suffix.size());
  const auto dot = rest.find('.');
  const std::size_t k = field_index(rest.substr(0, dot));
  if (k < 1 || k > ctx.step_kinds.size())
    return fmt::format("expect.fields: unknown field '{}': expected step.K with K from 1 to {} (steps count from 1)",
                       shown(key), ctx.step_kinds.size());
  const std::string& kind = ctx.step_kinds[k - 1];
  const std::vector<std::string>& entries = ctx.entry_kinds[k - 1];
  if (dot == std::string_view::npos) {
    if (kind == "spawn")
      return fmt::format("expect.fields: '{}' is a spawn step: step.K is the result of a call, wait or parent step; "
                         "a spawn's fields are NAME.outcome, NAME.fds, ...",
                         key);
    if (kind == "together")
      return fmt::format("expect.fields: '{}' is a together step: its results are per entry, step.{}.J with J "
                         "from 1 to {} (entries count from 1)",
                         key, k, entries.size());
    return {};
  }
  if (kind != "together") {
    if (kind.empty()) return {};  // an unreadable step, reported already
    return fmt::format("expect.fields: unknown field '{}': step {} is a {} step, not a together step: expected "
                       "step.{}",
                       shown(key), k, kind, k);
  }
  if (entries.empty()) return {};  // no entries were read: the step was reported already
  const std::size_t j = field_index(rest.substr(dot + 1));
  if (j < 1 || j > entries.size())
    return fmt::format("expect.fields: unknown field '{}': expected step.{}.J with J from 1 to {} (entries of a "
                       "together step count from 1)",
                       shown(key), k, entries.size());
  if (entries[j - 1] == "spawn")
    return fmt::format("expect.fields: '{}' is a spawn entry: step.K.J is the result of a call, wait or parent "
                       "entry; a spawn's fields are NAME.outcome, NAME.fds, ...",
                       key);
  return {};
}

// Why `key` is no field of a steps scenario's observation, or empty when it is one: NAME.outcome (and its
// .errno ...) and every child.* field as NAME.* for a spawn NAME, a together's spawns included; step.K for
// a call, wait or parent step and step.K.J for such an entry of a together step; parent_after.*
// (docs/SCENARIO_FORMAT.md "Steps" and "Threads").
std::string steps_field_problem(const ValidationContext& ctx, const std::string& key) {
  if (key.starts_with("parent_after.") && is_observation_field(key)) return {};
  if (key.starts_with("step.")) return step_field_problem(ctx, key);
  const auto dot = key.find('.');
  if (dot != std::string::npos && ctx.find_spawn(std::string_view(key).substr(0, dot))) {
    const std::string rest = key.substr(dot + 1);
    if ((rest.starts_with("outcome") && is_observation_field(rest)) || is_observation_field("child." + rest))
      return {};
  }
  std::vector<std::string> names;
  for (const auto& spawn : ctx.spawn_steps) names.push_back(spawn.name);
  return fmt::format("expect.fields: unknown field '{}': a steps scenario's fields are NAME.outcome (and its "
                     ".error_class, .errno, ...) and NAME.* for any child.* field (NAME one of {}), step.K (and "
                     "step.K.error_class) and parent_after.* (docs/SCENARIO_FORMAT.md)",
                     shown(key), names.empty() ? std::string("(no spawn steps)") : join(names, ", "));
}

}  // namespace

nlohmann::json validate_expect(ValidationContext& ctx, const YAML::Node* node) {
  nlohmann::json out = nlohmann::json::object();
  if (!node || YamlChecker::is_null(*node)) return out;
  auto& check = ctx.check;
  auto view = check.map(*node, "expect", {"outcome", "returncode", "exception", "errno", "filename", "fds", "fields"});
  if (!view) return out;
  if (ctx.steps_scenario) {
    // Outcome, fds ... are per child there: NAME.outcome, NAME.fds. The others are reported and dropped.
    for (const auto& e : view->entries)
      if (e.key != "fields")
        check.error(e.key_node, fmt::format("expect.{}: a steps scenario states its expectations as `expect.fields` "
                                            "(such as `NAME.outcome: exited 0`, `NAME.fds: \"0,1,2\"`)",
                                            e.key));
    std::erase_if(view->entries, [](const MapEntry& e) { return e.key != "fields"; });
  }
  if (auto o = view->find("outcome"))
    if (auto v = check.choice(*o, "expect.outcome", {"exited", "exception", "signaled"})) out["outcome"] = *v;
  if (auto r = view->find("returncode"))
    if (auto v = check.integer(*r, "expect.returncode", -128, 255)) out["returncode"] = *v;
  if (auto e = view->find("exception")) {
    if (auto v = check.short_string(*e, "expect.exception", max_exception_name_length)) {
      if (is_exception_name(*v)) out["exception"] = *v;
      else check.error(*e, fmt::format("expect.exception: expected an exception class name such as OSError, got '{}'",
                                       shown(*v)));
    }
  }
  if (auto e = view->find("errno")) {
    if (auto v = check.short_string(*e, "expect.errno", max_errno_name_length)) {
      if (is_errno_name(*v)) out["errno"] = *v;
      else check.error(*e, fmt::format("expect.errno: expected an errno name such as ENOENT, got '{}'", shown(*v)));
    }
  }
  if (auto f = view->find("filename"))
    if (auto v = check.string(*f, "expect.filename")) out["filename"] = *v;
  if (auto fds = view->find("fds")) {
    if (!fds->IsMap()) {
      check.error(*fds, fmt::format("expect.fds: expected a mapping of fd numbers to names, got {}",
                                    YamlChecker::describe(*fds)));
    } else {
      nlohmann::json named = nlohmann::json::object();
      for (auto it = fds->begin(); it != fds->end(); ++it) {
        auto fd = ctx.fd_number(it->first, "expect.fds key");
        auto name = check.string(it->second, "expect.fds value");
        if (!fd || !name) continue;
        std::string key = std::to_string(*fd);
        if (named.contains(key)) {
          check.error(it->first, fmt::format("expect.fds: fd {} is listed twice", *fd));
        } else if (!is_observed_name(ctx, *name)) {
          check.error(it->second, fmt::format("expect.fds.{}: '{}' names no resource: expected parent.stdin, "
                                              "parent.stdout, parent.stderr, popen.pipe, devnull, unknown:<kind> "
                                              "or one of {}",
                                              *fd, shown(*name), ctx.end_names()));
        } else {
          named[key] = *name;
        }
      }
      out["fds"] = named;
    }
  }
  if (auto fields = view->find("fields")) {
    if (auto pairs = check.string_map(*fields, "expect.fields")) {
      nlohmann::json values = nlohmann::json::object();
      // Keys are re-walked for their marks: string_map keeps only text.
      for (auto it = fields->begin(); it != fields->end(); ++it) {
        const std::string key = it->first.Scalar();
        if (ctx.steps_scenario) {
          if (auto problem = steps_field_problem(ctx, key); !problem.empty()) {
            check.error(it->first, problem);
            continue;
          }
        } else if (!is_observation_field(key)) {
          check.error(it->first, fmt::format("expect.fields: unknown field '{}': expected a normalized field such "
                                             "as outcome, child.fds, child.fd.N, child.umask (docs/PROTOCOL.md)",
                                             shown(key)));
          continue;
        }
        values[key] = it->second.Scalar();
      }
      out["fields"] = values;
    }
  }
  return out;
}

}  // namespace fdconform
