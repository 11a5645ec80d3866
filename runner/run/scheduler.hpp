#pragma once
#include "expectations/expectation_files.hpp"
// Runs every (scenario x implementation) cell on N worker threads. Each worker owns one warm
// DriverSession per column; cells of one scenario are judged together once the row is complete.
#include <atomic>
#include <functional>
#include <mutex>
#include <memory>
#include <vector>

#include "run/cell_executor.hpp"
#include "run/column.hpp"
#include "run/judged_cell.hpp"
#include "scenario/scenario.hpp"

namespace fdconform {

struct RunPlan {
  const std::vector<Scenario>* scenarios = nullptr;
  const std::vector<Column>* columns = nullptr;
  std::size_t reference_column = 0;
  int jobs = 1;
  CellSettings settings;
  const ExpectationSet* expectations = nullptr;  // accepted differences; null: none
  bool cold = false;                             // restart the driver for every cell
};

class Scheduler {
 public:
  // Called once per judged row, serialized (safe to print from).
  using RowDone = std::function<void(const std::vector<JudgedCell*>& row)>;

  Scheduler(RunPlan plan, RunDirectory& run_dir, RowDone on_row);

  // Sessions already started (to read hellos), indexed by column; the first worker keeps them warm.
  void adopt_sessions(std::vector<std::unique_ptr<DriverSession>> by_column);

  // Blocks until all cells ran or an interrupt stopped the workers. True when every cell ran.
  bool run();

  // The cells that ran, judged, in scenario-major order.
  std::vector<JudgedCell> finished_cells() const;

 private:
  void worker(std::vector<std::unique_ptr<DriverSession>> sessions);
  void judge_and_report(std::size_t scenario_index);

  RunPlan plan_;
  RunDirectory& run_dir_;
  RowDone on_row_;
  std::vector<std::unique_ptr<DriverSession>> adopted_;
  std::vector<JudgedCell> cells_;
  std::vector<bool> finished_;
  std::vector<std::size_t> remaining_in_row_;
  std::mutex cells_mutex_;
  std::atomic<std::size_t> next_cell_{0};
};

}  // namespace fdconform
