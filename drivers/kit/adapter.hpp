// The one thing a C++ driver written on the kit implements (docs/DRIVERS.md,
// "Writing a driver on the kit"): its hello facts and how it starts a child.
// The kit does the rest of docs/PROTOCOL.md: the request loop and its
// validation, the scenario parent and its state, the snapshots, fork_exec
// blocks and steps, waiting and timeouts, orphans, the probe's report, the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "json_access.hpp"
#include "spawn_from_scenario.hpp"
#include "startup_signals.hpp"

namespace kit {

struct Hello {
  std::string id, name, version, language, detail;
  Json semantics = Json::object();  // {"python": "3.13"}, or empty: follows none
  std::vector<std::string> features;
  // What the runtime sets up for itself at start-up (runtime_host.hpp), or null:
  // measured by fdconform-kit-host for a runtime that cannot link the kit.
  Json runtime_owned;
  // The start-up dispositions of the runtime this column stands for, which the
  // kit gives every scenario parent before the scenario's own settings. They are
  // declared as runtime_owned signals (in the hello and every ran result), so the
  // parent-state check leaves them out against a column that starts otherwise;
  // the child's report still shows what it inherited. Empty: all at their defaults.
  StartupSignals startup_signals;
};

struct RuntimeProgram;

class SpawnAdapter {
 public:
  virtual ~SpawnAdapter() = default;

  virtual Hello hello() const = 0;

  // The column a request's variant names (its results carry it); the hello's id
  // unless the adapter reads the variant. Throws RequestError for a variant it refuses.
  virtual std::string implementation_id(const Json& /*variant*/) const { return hello().id; }

  // Starts the child of a popen, posix_spawn or posix_spawnp block (`kind`);
  // `spec` is the block's options. Throws RequestError for a malformed block.
  virtual StartedChild start(const std::string& kind, const Json& spec, const SpawnContext& context) const = 0;

  // Why a popen block that a fork_exec child will run later cannot run here,
  // decided before anything is forked; nullopt when it can.
  virtual std::optional<std::string> popen_skip_reason(const Json&, const SpawnContext&) const { return std::nullopt; }

  // A runtime that cannot link the kit: its adapter program, which the kit
  // starts in each prepared scenario parent instead of calling start()
  // (runtime_host.hpp); nullptr for an adapter linked in.
  virtual const RuntimeProgram* runtime_program() const { return nullptr; }
};

// Serves stdin/stdout until EOF; returns main's exit status.
int serve(const SpawnAdapter& adapter);

}  // namespace kit
