#pragma once
// Building the matrix's columns from the command line: the drivers' discovery, --with, --driver
// descriptors; then --impl selection, test-only deviations, hellos and the reference.
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "run/column.hpp"
#include "session/driver_session.hpp"
#include "session/installation.hpp"

namespace fdconform {

// The highest-ranked available column among these (docs/DRIVERS.md "The descriptor"), else the first available.
std::string default_reference(const std::vector<const DriverDescriptor*>& candidates);

struct ColumnChoice {
  std::vector<DriverDescriptor> descriptors;  // the run's columns, the reference first
  std::vector<DriverDescriptor> all;          // every column found, in discovery order
  std::string reference_id;
  std::vector<std::string> notices;           // what discovery found but could not use, said once
};

// The run's columns: every driver's discovery (with --with), --driver files; the default ones, or those
// --impl names; the reference always among them, first. Throws std::runtime_error with a message for the
// user (a discovery program that fails, a bad descriptor file, an --impl, --with or --reference that
// names nothing).
ColumnChoice choose_columns(const RunOptions& options, const Installation& installation);

// Starts one session per descriptor to read its hello; sessions that started are returned for reuse.
std::vector<Column> start_columns(const std::vector<DriverDescriptor>& descriptors, int interrupt_fd,
                                  std::vector<std::unique_ptr<DriverSession>>& sessions);

// The index of the reference column. Throws std::runtime_error when it is missing or did not start.
std::size_t reference_column(const std::vector<Column>& columns, const std::string& reference_id);

}  // namespace fdconform
