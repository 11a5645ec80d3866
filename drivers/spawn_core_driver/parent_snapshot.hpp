// The scenario parent's own state in the shape of the probe's report
// (docs/PROTOCOL.md "The probe's report", without "probe" and "argv").
// Written here rather than shared with probe/ because the probe is another
// engineer's and must observe itself without any library of ours.
#pragma once

#include "json_access.hpp"

namespace driver {

// `hidden_fd` (the result channel) is harness machinery, left out like the
// probe leaves out its /proc/self/fd directory fd. Taken before the spawn and
// again after it ("parent_after"), with the parent's unreaped children.
Json take_parent_snapshot(int hidden_fd);

}  // namespace driver
