#pragma once
// A runner started with fd 0, 1 or 2 closed (`fdconform run <&- >&-`, a daemon manager, a CI step) would
// hand those numbers to the first fds it opens, such as the interrupt pipe, and its progress output
// would then land in that pipe and stop the run. Called first thing in main(), before anything opens an fd.
namespace fdconform {

// Opens /dev/null on each of fds 0, 1 and 2 that is closed (read-only for 0, write-only for 1 and 2).
// Returns false only when one of them stays closed (no /dev/null); the caller then must not go on.
bool reserve_standard_fds();

}  // namespace fdconform
