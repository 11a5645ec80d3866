#pragma once
// What the section validators share: the checker, and the resource table that later
// sections (spawn, expect) resolve names against.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "scenario/scenario.hpp"
#include "scenario/yaml_checker.hpp"

namespace fdconform {

inline constexpr long long max_fd_number = 1023;
inline constexpr long long min_nofile_limit = 16;
// The scenario parent's result channel lives at this fd (docs/PROTOCOL.md), so no resource may take it.
inline constexpr long long result_channel_fd = 1023;
// Fds 3 to 1022: what the resources of one scenario parent can hold at most.
inline constexpr std::size_t max_resource_fds = result_channel_fd - 3;

// A name a spawn can refer to: a resource, or one end of a pipe/socketpair ("p.read", "s.a").
struct ResourceEnd {
  std::string name;
  std::string kind;  // the resource's kind ("pipe" for both pipe ends)
};

struct ValidationContext {
  YamlChecker& check;
  std::vector<ResourceEnd> ends;
  bool confined = true;  // false for a scenario marked `unconfined`

  const ResourceEnd* find_end(std::string_view name) const;
  std::string end_names() const;  // for "expected one of ..." messages

  // An fd number the scenario places or names, 0..1022: fd 1023 is refused with one message wherever
  // it is written (resources, stdio, pass_fds, file actions, fork_exec steps, expect.fds).
  std::optional<long long> fd_number(const YAML::Node& node, std::string_view path);
  // An fd reference: an fd number (as fd_number) or the name of a resource end. Returns the JSON value.
  std::optional<nlohmann::json> fd_reference(const YAML::Node& node, std::string_view path);
};

// The validators of each section; each reports through ctx.check and returns the section's JSON
// with defaults filled in (partial when errors were found).
nlohmann::json validate_requires(ValidationContext& ctx, const YAML::Node* node, Requirements& out);
nlohmann::json validate_parent(ValidationContext& ctx, const YAML::Node* node);
nlohmann::json validate_spawn(ValidationContext& ctx, const YAML::Node& node);
nlohmann::json validate_expect(ValidationContext& ctx, const YAML::Node* node);
// Confinement (validate_paths.cpp): each reports a path that would leave the cell's workdir.
// `placeholders`: the driver substitutes {workdir} and friends in this field.
void check_workdir_path(ValidationContext& ctx, const YAML::Node& node, std::string_view where,
                        std::string_view path, bool placeholders);
// The program a spawn runs; `searched_in_path` when a bare name goes through a PATH search.
void check_program_path(ValidationContext& ctx, const YAML::Node& node, std::string_view where,
                        std::string_view program, bool searched_in_path);
// A shell=True command: plain words only, the first one a confined program.
void check_shell_command(ValidationContext& ctx, const YAML::Node& node, std::string_view where,
                         const std::vector<std::string>& words);

// A list of signal names; `forbid_uncatchable` rejects SIGKILL and SIGSTOP.
nlohmann::json validate_signal_list(ValidationContext& ctx, const YAML::Node& node, std::string_view path,
                                    bool forbid_uncatchable);

}  // namespace fdconform
