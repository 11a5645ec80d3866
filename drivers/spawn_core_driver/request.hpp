// One request line of docs/PROTOCOL.md, with its envelope checked. The
// scenario itself stays JSON: each step reads the part it needs and reports
// what it expected when that part is malformed.
#pragma once

#include <optional>
#include <string>

#include "json_access.hpp"
#include "spawn_core/command.hpp"

namespace driver {

// The test-only switches of variant.deviate (see docs/DRIVERS.md).
enum class Deviation { none, umask, extra_fd, parent_leak };

struct Request {
  Json scenario;
  std::string scenario_id;
  std::string workdir;
  std::string probe;
  int timeout_ms = 10000;
  spawn_core::SpawnPath path = spawn_core::SpawnPath::automatic;
  Deviation deviation = Deviation::none;
};

// The scenario id of a request, as far as it can be read (for error results).
std::string scenario_id_of(const Json& request);

// Throws RequestError naming what is wrong. `default_path` is the --path the
// driver was started with; variant.path overrides it per request.
Request parse_request(const Json& request, spawn_core::SpawnPath default_path);

std::optional<spawn_core::SpawnPath> spawn_path_from_name(std::string_view name);

}  // namespace driver
