#pragma once
// Building the matrix's columns from the command line: built-in spawn_core paths, CPython oracles,
// --driver descriptors; then --impl selection, test-only deviations, hellos and the reference.
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "drivers/driver_session.hpp"
#include "drivers/installation.hpp"
#include "run/column.hpp"

namespace fdconform {

// Descriptors for the run, selected by --impl. Throws std::runtime_error with a message for the user
// (an interpreter that does not exist, a bad descriptor file, an --impl that names nothing).
std::vector<DriverDescriptor> select_descriptors(const RunOptions& options, const Installation& installation);

// Starts one session per descriptor to read its hello; sessions that started are returned for reuse.
std::vector<Column> start_columns(const std::vector<DriverDescriptor>& descriptors, int interrupt_fd,
                                  std::vector<std::unique_ptr<DriverSession>>& sessions);

// --reference when given (must be a column id), else the newest CPython, else spawn_core-auto, else the first.
std::size_t choose_reference(const std::vector<Column>& columns, const std::string& requested);

}  // namespace fdconform
