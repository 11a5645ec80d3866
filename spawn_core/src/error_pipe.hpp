// The child -> parent error record. The child writes one fixed-size record
// (which step failed and its errno) on a close-on-exec pipe and _exits; a
// successful exec closes the pipe, so the parent reads EOF and nothing else.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "spawn_core/spawn_error.hpp"

namespace spawn_core::detail {

enum class ChildStep : uint8_t { noexec = 1, chdir = 2, exec = 3, preexec = 4 };

// How the child encodes its failure. `record` is spawn_core's own 8-byte
// record (read by read_error_record); the two text forms are what
// CPython's Lib/subprocess.py parses ("ExceptionName:hex_errno:detail"):
// 3.11/3.12 mark every pre-exec failure "noexec", 3.13 marks a chdir
// failure "noexec:chdir".
enum class ErrorFormat : uint8_t { record, cpython_3_11, cpython_3_13 };

struct ErrorRecord {
  ChildStep step;
  int error_number;
};

// Child side: one write(2) of a record smaller than PIPE_BUF (so it is atomic).
void write_error_record(int fd, ChildStep step, int error_number) noexcept;

// Child side, any format: one write(2) in the requested encoding. A `preexec`
// failure carries no errno: it becomes CPython's SubprocessError text.
void write_child_failure(int fd, ErrorFormat format, ChildStep step, int error_number) noexcept;

// Parent side: reads until EOF. nullopt when the child exec'd. A record of the
// wrong size or content is reported as CPython's SubprocessError.
std::optional<ErrorRecord> read_error_record(int fd);

// The SpawnError CPython 3.13 raises for a record: filename = executable for
// exec failures, cwd for chdir failures, none otherwise.
SpawnError error_from_record(const ErrorRecord& record, const std::string& executable,
                             const std::optional<std::string>& cwd);

}  // namespace spawn_core::detail
