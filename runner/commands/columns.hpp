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

// The default reference among these: the newest CPython, else spawn_core-auto, else the first.
std::string default_reference(const std::vector<DriverDescriptor>& descriptors);

// Descriptors for the run, selected by --impl, with the reference always among them (first when --impl
// did not select it); `reference_id` is --reference, else the default among every column the run could
// have. Throws std::runtime_error with a message for the user (an interpreter that does not exist, a bad
// descriptor file, an --impl or --reference that names nothing).
std::vector<DriverDescriptor> select_descriptors(const RunOptions& options, const Installation& installation,
                                                 std::string& reference_id);

// Starts one session per descriptor to read its hello; sessions that started are returned for reuse.
std::vector<Column> start_columns(const std::vector<DriverDescriptor>& descriptors, int interrupt_fd,
                                  std::vector<std::unique_ptr<DriverSession>>& sessions);

// The index of the reference column. Throws std::runtime_error when it is missing or did not start.
std::size_t reference_column(const std::vector<Column>& columns, const std::string& reference_id);

}  // namespace fdconform
