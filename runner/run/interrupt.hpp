#pragma once
// SIGINT/SIGTERM/SIGHUP handling: the handler only records the request and makes a pipe readable, so every
// thread waiting on a driver (poll) wakes up, and workers stop between cells.
namespace fdconform {

// Installs the handlers (and ignores SIGPIPE so a dead driver is an EPIPE, not the end of the runner, and
// SIGXFSZ so a file size limit is an EFBIG on the write that hits it).
void install_interrupt_handlers();

bool interrupt_requested();
int interrupt_signal();  // the signal received, 0 if none
// Readable once an interrupt was requested; never drained. -1 before install_interrupt_handlers().
int interrupt_fd();
// Whether interrupt_fd() is readable now: what made a driver exchange end as "interrupted".
bool interrupt_pipe_readable();

}  // namespace fdconform
