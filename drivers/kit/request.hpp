// One request line of docs/PROTOCOL.md, with its envelope checked. The
// scenario itself stays JSON: each step reads the part it needs and reports
// what it expected when that part is malformed.
#pragma once

#include <optional>
#include <string>

#include "json_access.hpp"

namespace kit {

class SpawnAdapter;

// The test-only switches of variant.deviate (see docs/DRIVERS.md).
enum class Deviation { none, umask, extra_fd, parent_leak };

struct Request {
  Json scenario;
  std::string scenario_id;
  std::string workdir;
  std::string probe;
  int timeout_ms = 10000;
  Json variant = Json::object();  // the descriptor's, passed through to the adapter
  std::string implementation;     // the column id the adapter gives this variant
  Deviation deviation = Deviation::none;
};

// The scenario id of a request, as far as it can be read (for error results).
std::string scenario_id_of(const Json& request);

// Throws RequestError naming what is wrong; the adapter judges the variant.
Request parse_request(const Json& request, const SpawnAdapter& adapter);

}  // namespace kit
