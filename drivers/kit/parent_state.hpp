// Steps 1-6 of "The scenario parent, step by step" (docs/PROTOCOL.md): the
// state the scenario parent is in right before it spawns.
#pragma once

#include <string>
#include <vector>

#include "json_access.hpp"
#include "placeholders.hpp"
#include "resources.hpp"
#include "startup_signals.hpp"

namespace kit {

// Step 1 (after the result channel is at its fd): fds 0, 1, 2 onto
// workdir/parent.{stdin,stdout,stderr}, every other fd but `keep_fd` closed.
// Returns false (errno set) when a file cannot be opened.
bool redirect_standard_fds(const std::string& workdir, int keep_fd);

// Step 2, what every column starts from: every signal at its default (glibc's
// own 32 and 33 included) and an empty mask, however the driver was started.
void apply_baseline_signals();

// Step 2, the column's part: the dispositions its runtime sets up at start-up
// (an adapter's Hello::startup_signals), on top of the baseline.
void apply_startup_signals(const StartupSignals& startup);

struct PreparedParent {
  ResourceTable resources;
  std::vector<int> closed_std;  // the fds of parent.close_std
};

// Steps 3-6: chdir(workdir), umask, environment, close_std, resources,
// signals, parent.cwd (placeholders are substituted in parent.env.set values).
// Throws RequestError or std::system_error.
PreparedParent prepare_parent(const Json& scenario, const std::string& scenario_id, const std::string& workdir,
                              const PlaceholderValues& placeholders);

}  // namespace kit
