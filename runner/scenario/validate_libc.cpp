// The `libc` spawn mode (docs/SCENARIO_FORMAT.md, "The libc spawn mode"; docs/LIBC.md): one call
// of the C library's own spawn primitives, for the C library columns only. Each call takes only
// its own arguments, so a key of another call is an error at its place, not ignored.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "scenario/validate_libc.hpp"

namespace fdconform {
namespace {

constexpr std::array<std::string_view, 6> libc_calls = {"execve", "execvp", "posix_spawn", "posix_spawnp", "system",
                                                        "popen"};
// A popen mode is passed on as written, wrong on purpose or not; this bounds it.
constexpr std::size_t max_popen_mode_length = 8;

bool runs_a_command(std::string_view call) { return call == "system" || call == "popen"; }
bool searches_path(std::string_view call) { return call == "execvp" || call == "posix_spawnp"; }
bool spawns(std::string_view call) { return call == "posix_spawn" || call == "posix_spawnp"; }

}  // namespace

nlohmann::json validate_libc_block(ValidationContext& ctx, const YAML::Node& node, const std::string& path) {
  auto& check = ctx.check;
  nlohmann::json out = {{"call", nullptr}};
  auto view = check.map(node, path, {"call", "file", "argv", "command", "mode", "file_actions"});
  if (!view) return out;
  check.require(*view, path, {"call"});
  const YAML::Node* call_node = view->find("call");
  if (!call_node) return out;
  auto call = check.choice(*call_node, path + ".call", std::span<const std::string_view>(libc_calls));
  if (!call) return out;
  out["call"] = *call;

  // Keys that belong to the other kind of call.
  const bool command_call = runs_a_command(*call);
  static constexpr std::array<std::string_view, 2> program_keys = {"file", "argv"};
  static constexpr std::array<std::string_view, 2> command_keys = {"command", "mode"};
  for (std::string_view key : command_call ? program_keys : command_keys)
    if (const YAML::Node* misplaced = view->find(key))
      check.error(*misplaced, fmt::format("{}.{}: {} takes no {} (expected {})", path, key, *call, key,
                                          command_call ? "command, and mode for popen" : "file and argv"));
  if (*call == "system" && view->find("mode"))
    check.error(*view->find("mode"), fmt::format("{}.mode: only popen takes a mode string", path));
  const YAML::Node* file_actions = view->find("file_actions");
  if (file_actions && !spawns(*call)) {
    check.error(*file_actions, fmt::format("{}.file_actions: {} takes no file actions (only posix_spawn and "
                                           "posix_spawnp do)",
                                           path, *call));
    file_actions = nullptr;
  }

  if (command_call) {
    if (*call == "popen") check.require(*view, path, {"command", "mode"});
    else check.require(*view, path, {"command"});
    if (const YAML::Node* command = view->find("command")) {
      if (auto text = check.line(*command, path + ".command")) {
        out["command"] = *text;
        check_shell_command(ctx, *command, path + ".command", {*text});
      }
    }
    if (const YAML::Node* mode = view->find("mode"); mode && *call == "popen") {
      if (auto text = check.short_string(*mode, path + ".mode", max_popen_mode_length)) {
        if (std::any_of(text->begin(), text->end(), [](char c) { return c < 0x21 || c > 0x7e; }))
          check.error(*mode, fmt::format("{}.mode: expected printable ASCII without spaces", path));
        out["mode"] = *text;
      }
    }
    return out;
  }

  out["file"] = "{probe}";
  if (const YAML::Node* file = view->find("file")) {
    if (auto text = check.line(*file, path + ".file")) {
      out["file"] = *text;
      check_program_path(ctx, *file, path + ".file", *text, searches_path(*call));
    }
  }
  out["argv"] = nlohmann::json::array({"{probe}"});
  if (const YAML::Node* argv = view->find("argv")) {
    if (auto items = check.sequence(*argv, path + ".argv")) {
      out["argv"] = nlohmann::json::array();
      for (std::size_t i = 0; i < items->size(); ++i)
        if (auto s = check.string((*items)[i], fmt::format("{}.argv[{}]", path, i))) out["argv"].push_back(*s);
    }
  }
  // posix_spawn_file_actions_add* in list order; only when given, so other requests stay as they were.
  if (file_actions && !YamlChecker::is_null(*file_actions)) {
    out["file_actions"] = nlohmann::json::array();
    if (auto items = check.sequence(*file_actions, path + ".file_actions"))
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto action = libc_file_action(ctx, (*items)[i], fmt::format("{}.file_actions[{}]", path, i));
        if (!action.is_null()) out["file_actions"].push_back(std::move(action));
      }
  }
  return out;
}

void require_libc_feature(YamlChecker& check, const YAML::Node* spawn_node, const Requirements& requires_) {
  if (!spawn_node || !spawn_node->IsMap() || !(*spawn_node)["libc"]) return;
  if (std::find(requires_.features.begin(), requires_.features.end(), "libc_spawn") != requires_.features.end())
    return;
  check.error((*spawn_node)["libc"],
              "spawn.libc: only the C library columns call these primitives: expected "
              "`requires: {features: [libc_spawn]}`, so that other columns skip the scenario with that reason");
}

}  // namespace fdconform
