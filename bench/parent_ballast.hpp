// Resident memory held by the benchmark process, so that spawn latency can be
// measured against the size of the parent: fork copies the parent's page
// tables, vfork and posix_spawn must not care how big the parent is.
#pragma once

#include <cstddef>

namespace bench {

// Makes the process hold exactly `mib` MiB of extra private, dirty, resident
// memory (0 releases it). Reallocates only when the size changes, so
// benchmarks sharing a size pay the allocation once.
void hold_parent_ballast(std::size_t mib);

}  // namespace bench
