#include "run/scheduler.hpp"

#include <chrono>
#include <system_error>
#include <thread>

#include "run/interrupt.hpp"

namespace fdconform {
Scheduler::Scheduler(RunPlan plan, RunDirectory& run_dir, RowDone on_row)
    : plan_(std::move(plan)), run_dir_(run_dir), on_row_(std::move(on_row)) {
  std::size_t rows = plan_.scenarios->size(), cols = plan_.columns->size();
  cells_.resize(rows * cols);
  finished_.assign(rows * cols, false);
  remaining_in_row_.assign(rows, cols);
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    cells_[i].scenario = i / cols;
    cells_[i].column = i % cols;
  }
}

void Scheduler::adopt_sessions(std::vector<std::unique_ptr<DriverSession>> by_column) {
  adopted_ = std::move(by_column);
}

void Scheduler::judge_and_report(std::size_t s) {
  std::vector<JudgedCell*> row;
  std::size_t cols = plan_.columns->size();
  for (std::size_t c = 0; c < cols; ++c)
    if (finished_[s * cols + c]) row.push_back(&cells_[s * cols + c]);
  if (row.empty()) return;
  const auto& columns = *plan_.columns;
  const std::string& reference_id = columns[plan_.reference_column].descriptor.id;
  std::vector<KnownDifferences> known(cols);
  if (plan_.expectations)
    for (std::size_t c = 0; c < cols; ++c)
      known[c] = plan_.expectations->lookup((*plan_.scenarios)[s].id, columns[c].descriptor.id,
                                            columns[c].hello.version, reference_id);
  judge_row(row, plan_.reference_column, reference_id, (*plan_.scenarios)[s].expect, known);
  if (on_row_) on_row_(row);
}

void Scheduler::worker(std::vector<std::unique_ptr<DriverSession>> sessions) {
  sessions.resize(plan_.columns->size());
  std::size_t cols = plan_.columns->size();
  while (!interrupt_requested()) {
    std::size_t i = next_cell_.fetch_add(1);
    if (i >= cells_.size()) break;
    auto started = std::chrono::steady_clock::now();
    std::size_t s = i / cols, c = i % cols;
    CellObservation observed = execute_cell((*plan_.scenarios)[s], (*plan_.columns)[c], sessions[c], run_dir_,
                                            static_cast<long long>(i), plan_.settings);
    // Cold mode: a fresh driver for every cell, to show warm sessions change no observation.
    if (plan_.cold) sessions[c].reset();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    // Cut short by an interrupt: not a result. The cell stays unfinished, so the run reports itself incomplete.
    if (observed.cut_short || (interrupt_requested() && observed.status == CellObservation::Status::error)) break;
    std::lock_guard lock(cells_mutex_);
    cells_[i].observation = std::move(observed);
    cells_[i].duration_ms = ms;
    finished_[i] = true;
    if (--remaining_in_row_[s] == 0) judge_and_report(s);
  }
  // Sessions stop (EOF, then kill and reap) as they go out of scope here.
}

bool Scheduler::run() {
  next_cell_ = 0;
  int jobs = std::max(1, plan_.jobs);
  std::vector<std::thread> threads;
  // Each worker's sessions live here, so a thread that cannot be created loses none of them.
  std::vector<std::vector<std::unique_ptr<DriverSession>>> sessions(static_cast<std::size_t>(jobs));
  sessions[0] = std::move(adopted_);
  for (int w = 0; w < jobs; ++w) {
    try {
      threads.emplace_back([this, &mine = sessions[static_cast<std::size_t>(w)]] { worker(std::move(mine)); });
    } catch (const std::system_error&) {
      break;  // no more threads (RLIMIT_NPROC, memory): run with the workers there are
    }
  }
  if (threads.empty()) worker(std::move(sessions[0]));  // not even one: do the work on this thread
  for (auto& t : threads) t.join();
  bool complete = true;
  std::lock_guard lock(cells_mutex_);
  for (std::size_t s = 0; s < remaining_in_row_.size(); ++s)
    if (remaining_in_row_[s] != 0) {
      complete = false;
      judge_and_report(s);  // a partial row: judged with what ran
    }
  return complete;
}

std::vector<JudgedCell> Scheduler::finished_cells() const {
  std::vector<JudgedCell> out;
  for (std::size_t i = 0; i < cells_.size(); ++i)
    if (finished_[i]) out.push_back(cells_[i]);
  return out;
}

}  // namespace fdconform
