#pragma once
// What the section validators share: the checker, and the resource table that later
// sections (spawn, expect) resolve names against.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "scenario/scenario.hpp"
#include "scenario/yaml_checker.hpp"

namespace fdconform {

// The highest fd a scenario may name: fds above the result channel need a parent.nofile_limit above them.
inline constexpr long long max_fd_number = 65535;
inline constexpr long long max_nofile_limit = max_fd_number + 1;
// The lowest fd a scenario may pass to a spawn call on purpose (docs/SCENARIO_FORMAT.md, "Wrong on purpose").
inline constexpr long long min_argument_fd = -1000;
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

// A spawn step of a `steps` scenario (docs/SCENARIO_FORMAT.md "Steps"), as other steps and `expect` see it.
struct SpawnStep {
  std::string name;
  std::size_t step = 0;               // its index in `steps` (0-based, as in messages)
  std::optional<std::size_t> entry;   // inside a `together` step: its index among the entries (0-based)
  std::string kind;                   // popen, posix_spawn, posix_spawnp, fork_exec; empty until it was validated
  std::vector<std::string> pipes;     // of a popen spawn: which of stdin, stdout, stderr are `pipe`
  bool nested = false;                // a spawn inside the fork_exec child of the spawn step `step`

  // Where it is written, for messages: "steps[3]" or "steps[3].together[1]".
  std::string place() const;
};

// At most this many steps, of which at most max_spawn_steps spawns, and spawn names this long. The entries
// of a `together` step count as steps and spawns there, each once; a together holds 2 to 8 of them.
inline constexpr std::size_t max_steps = 32;
inline constexpr std::size_t max_spawn_steps = 8;
inline constexpr std::size_t min_together_entries = 2;
inline constexpr std::size_t max_together_entries = 8;
// A churn parent call opens and closes /dev/null at most this many times.
inline constexpr long long max_churn_count = 10000;
inline constexpr std::size_t max_spawn_name_length = 32;

struct ValidationContext {
  YamlChecker& check;
  std::vector<ResourceEnd> ends;
  bool confined = true;  // false for a scenario marked `unconfined`

  // A `steps` scenario: set by validate_steps, which reads all steps before `expect` is read.
  bool steps_scenario = false;
  std::vector<SpawnStep> spawn_steps;   // every spawn step whose name is well formed, later ones included
  std::vector<std::string> step_kinds;  // per step: spawn, call, wait, parent, together, or empty when unreadable
  // Per step: for a together step, its entries' kinds as step_kinds has them (the entries read); else empty.
  std::vector<std::vector<std::string>> entry_kinds;
  std::size_t current_step = 0;         // the step being validated
  // Set while a steps scenario's fork_exec spawn step is read: validates a `spawn` among its child
  // steps (docs/SCENARIO_FORMAT.md "A spawn from inside the child"); unset, such a step is unknown.
  std::function<nlohmann::json(const YAML::Node& node, const std::string& path)> nested_spawn;
  // The first argument written as a Python value no other caller has ({int_like: N}, a typed umask,
  // posix_spawn's env {none: true}): the loader asks for `requires.features: [python_values]` there.
  std::optional<YAML::Mark> python_value_mark;
  std::string python_value_path;

  const ResourceEnd* find_end(std::string_view name) const;
  std::string end_names() const;  // for "expected one of ..." messages
  // The first spawn step of that name, earlier or later than current_step; nullptr when there is none.
  const SpawnStep* find_spawn(std::string_view name) const;
  // Why `name` is not (yet) a resource end when it reads as a spawn step's pipe end (NAME.stdout);
  // empty otherwise. Messages say this instead of listing the resources.
  std::string missing_end_note(std::string_view name) const;

  // An fd number the scenario places or names, 0..65535: fd 1023 is refused with one message wherever
  // it is written (resources, stdio, pass_fds, file actions, fork_exec steps, expect.fds). The highest
  // one above it is remembered, since it needs a parent.nofile_limit above it (checked by the loader).
  std::optional<long long> fd_number(const YAML::Node& node, std::string_view path);
  // An fd the scenario passes to a spawn call as an argument (pass_fds, stdio `{fd: N}`): as
  // fd_number, or negative (-1000..-1) on purpose, where the call's own answer is the observation.
  std::optional<long long> argument_fd(const YAML::Node& node, std::string_view path);
  std::optional<nlohmann::json> argument_fd_reference(const YAML::Node& node, std::string_view path);
  std::optional<long long> highest_fd;  // above the result channel
  YAML::Mark highest_fd_mark;
  std::string highest_fd_path;
  // An fd reference: an fd number (as fd_number) or the name of a resource end. Returns the JSON value.
  std::optional<nlohmann::json> fd_reference(const YAML::Node& node, std::string_view path);
};

// The validators of each section; each reports through ctx.check and returns the section's JSON
// with defaults filled in (partial when errors were found).
nlohmann::json validate_requires(ValidationContext& ctx, const YAML::Node* node, Requirements& out);
nlohmann::json validate_parent(ValidationContext& ctx, const YAML::Node* node);
nlohmann::json validate_spawn(ValidationContext& ctx, const YAML::Node& node);
// One block of a spawn: `kind` is popen, posix_spawn, posix_spawnp or fork_exec; `path` where the block is
// ("spawn.popen", "steps[2].spawn.popen"), for messages.
nlohmann::json validate_spawn_kind(ValidationContext& ctx, const std::string& kind, const YAML::Node& node,
                                   const std::string& path);
// `steps:` (validate_steps.cpp): the steps' JSON; fills the steps fields of ctx, and adds the pipe ends
// of popen spawns to ctx.ends as it goes.
nlohmann::json validate_steps(ValidationContext& ctx, const YAML::Node& node);
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

// The arguments of an os call on an fd, the one vocabulary of the parent's `parent` steps and a fork
// child's steps: `call` is close or get_inheritable (an fd reference), set_inheritable ({fd, value})
// or dup2 ({fd, to, inheritable}, inheritable defaulting to true as os.dup2's does). Null when invalid.
nlohmann::json fd_call_arguments(ValidationContext& ctx, const std::string& call, const YAML::Node& node,
                                 const std::string& path);

// A list of signal names; `forbid_uncatchable` rejects SIGKILL and SIGSTOP. With `numbers_allowed` an
// item may also be a number in the C int range, passed as it is (out of the signal range on purpose).
nlohmann::json validate_signal_list(ValidationContext& ctx, const YAML::Node& node, std::string_view path,
                                    bool forbid_uncatchable, bool numbers_allowed = false);

}  // namespace fdconform
