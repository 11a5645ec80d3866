// The scenario parent: a process forked from the driver for one request,
// which sets up the scenario's parent state, spawns, observes and reports
// through the result channel (docs/PROTOCOL.md "The scenario parent").
#pragma once

#include "request.hpp"
#include "startup_signals.hpp"

namespace kit {

class SpawnAdapter;

// Where the scenario parent writes its result (close-on-exec).
inline constexpr int result_channel_fd = 1023;

// Runs in the freshly forked child and never returns: writes one result
// document to `channel_fd` (moved to result_channel_fd first), then _exit(0).
// `adapter` starts the scenario's children; `startup` is its hello's start-up
// signals, set before the scenario's own and declared in a ran result's runtime_owned.
[[noreturn]] void run_scenario_parent(const Request& request, const SpawnAdapter& adapter,
                                      const StartupSignals& startup, int channel_fd);

}  // namespace kit
