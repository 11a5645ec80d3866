// The scenario parent's own state in the shape of the probe's report
// (docs/PROTOCOL.md "The probe's report", without "probe", "argv" and "sched"),
// read and written by the probe's own snapshot library (probe/snapshot/).
#pragma once

#include <string>

#include "json_access.hpp"
#include "parent_state.hpp"

namespace kit {

// `hidden_fd` (the result channel) is harness machinery, left out like the
// probe leaves out its /proc/self/fd directory fd. Taken before the spawn and
// again after it ("parent_after"), with the parent's unreaped children.
Json take_parent_snapshot(int hidden_fd);

// The snapshot's "resources": each name the scenario gave an fd (and
// parent.stdin/stdout/stderr while they still hold the driver's files) -> its fd.
Json resource_map(const PreparedParent& prepared);

// The probe's report at `path`, or null when there is none; a report that is
// not JSON is null with a line in `diagnostics`.
Json read_probe_report(const std::string& path, std::string& diagnostics);

}  // namespace kit
