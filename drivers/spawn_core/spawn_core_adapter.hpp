// The spawn_core column on the driver kit (drivers/kit/adapter.hpp): what is
// spawn_core's own is how a popen or posix_spawn block becomes a spawn_core
// call, on which path, and how its errors read. Everything else is the kit's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kit/adapter.hpp"
#include "spawn_core/command.hpp"
#include "spawn_core/spawn_error.hpp"

namespace spawn_core_driver {

using kit::Json;
using kit::SpawnContext;
using kit::StartedChild;

// "auto", "fork", "vfork", "posix_spawn": the spelling of column ids and of variant.path.
std::string path_name(spawn_core::SpawnPath path);
std::optional<spawn_core::SpawnPath> spawn_path_from_name(std::string_view name);
// "spawn_core-<path>".
std::string implementation_id(spawn_core::SpawnPath path);

// A spawn that raised: its error class under the name CPython gives it (spawn_core's
// errors mirror CPython's), errno and its name, filename, str(exception).
Json outcome_from_error(const spawn_core::SpawnError& error);

// popen_spawn.cpp: spawn.popen as a spawn_core::Command on `path`.
StartedChild start_popen(const Json& spec, const SpawnContext& context, spawn_core::SpawnPath path);
// Why `path` cannot run this popen block, decided without spawning.
std::optional<std::string> popen_skip_reason(const Json& spec, const SpawnContext& context, spawn_core::SpawnPath path);
// posix_spawn_request.cpp: spawn.posix_spawn / posix_spawnp.
StartedChild start_posix_spawn(const Json& spec, bool search_path, const SpawnContext& context);

class Adapter final : public kit::SpawnAdapter {
 public:
  explicit Adapter(spawn_core::SpawnPath default_path) : default_path_(default_path) {}

  kit::Hello hello() const override;
  // variant.path overrides the --path the driver was started with; the result names the path used.
  std::string implementation_id(const Json& variant) const override;
  StartedChild start(const std::string& kind, const Json& spec, const SpawnContext& context) const override;
  std::optional<std::string> popen_skip_reason(const Json& spec, const SpawnContext& context) const override;

 private:
  spawn_core::SpawnPath path_of(const Json& variant) const;
  spawn_core::SpawnPath default_path_;
};

}  // namespace spawn_core_driver
