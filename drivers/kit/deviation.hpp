// variant.deviate: a test-only switch that makes any driver on the kit do exactly
// one thing differently, so the runner's self-test can prove it reports exactly
// the fields that changed (docs/DRIVERS.md).
#pragma once

#include <sys/types.h>

#include <optional>

#include "request.hpp"

namespace kit {

struct DeviationInEffect {
  std::optional<int> extra_fd;  // for the spawn to hand to the child
  std::optional<mode_t> scenario_umask;  // to put back once the child has it
};

// Applied after the parent snapshot, so the recorded parent state is the
// scenario's. umask: the parent's umask becomes 077 (027 when it already is
// 077), so every spawn kind's child inherits it. extra_fd: /dev/null at fd 42,
// close-on-exec in the parent, handed to the child by the spawn.
DeviationInEffect start_deviation(Deviation deviation);

// Runs once the spawn returned. Undoes what the parent would otherwise still
// show in its after snapshot, so each deviation changes exactly one field;
// parent_leak instead leaves one /dev/null fd open in the parent, the
// after-snapshot's own planted difference.
void end_deviation(const DeviationInEffect& in_effect, Deviation deviation);

}  // namespace kit
