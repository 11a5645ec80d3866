#pragma once
// Runs one (scenario, implementation) cell: gate, workdir, request, result, normalization.
#include <chrono>
#include <memory>
#include <string>

#include "diff/verdict.hpp"
#include "run/column.hpp"
#include "run/requirements_gate.hpp"
#include "run/workdir.hpp"
#include "scenario/scenario.hpp"
#include "session/driver_session.hpp"

namespace fdconform {

struct CellSettings {
  std::string probe;
  std::chrono::milliseconds default_timeout{10000};
  std::chrono::milliseconds driver_grace{10000};  // beyond the scenario timeout, for the driver's own cleanup
  std::chrono::milliseconds hello_timeout{30000};
  HostFacts host;
  int interrupt_fd = -1;
  bool allow_unconfined = false;  // --allow-unconfined
};

// `session` is the worker's warm session for this column: started when missing or dead, and left
// dead after a failure so the next cell restarts the driver.
CellObservation execute_cell(const Scenario& scenario, const Column& column, std::unique_ptr<DriverSession>& session,
                             RunDirectory& run_dir, long long cell_number, const CellSettings& settings);

}  // namespace fdconform
