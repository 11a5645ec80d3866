#pragma once
// The columns this machine has: every installed driver folder's discovery program
// (docs/DRIVERS.md, "Discovery"). The runner names no implementation; it runs
// <drivers dir>/*/columns, each printing one JSON object per line.
#include <string>
#include <vector>

#include "session/descriptor.hpp"

namespace fdconform {

struct DiscoveredColumns {
  std::vector<DriverDescriptor> columns;  // in folder order, then each program's own order
  // Lines without an id: an interpreter or runtime found but not usable, said once per run.
  std::vector<std::string> notices;
};

// Runs every `<drivers_dir>/*/columns` (folders in name order) with `--with PATH` for each offered
// path. A column answering an offered path has `offered_with` set and is in the run by default.
// Throws std::runtime_error naming the program (and line) when one fails or prints what is not a
// descriptor, when two columns share an id, and when no program answers an offered path (with the
// reasons the programs gave).
DiscoveredColumns discover_columns(const std::string& drivers_dir, const std::vector<std::string>& offered);

}  // namespace fdconform
