#include "stdio_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "spawn_core/spawn_error.hpp"

namespace spawn_core::detail {

namespace {

class StdioBuilder {
 public:
  StdioBuilder(StdioFds& fds, int pipesize) : fds_(fds), pipesize_(pipesize) {}

  // Returns the child fd for `stdio`; sets `parent_end` for pipes.
  int child_end(const Stdio& stdio, bool child_reads, int& parent_end) {
    switch (stdio.kind) {
      case Stdio::Kind::inherit:
        return -1;
      case Stdio::Kind::pipe: {
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) != 0) fail(errno);
        parent_end = child_reads ? ends[1] : ends[0];
        const int child_end = child_reads ? ends[0] : ends[1];
        // CPython resizes through the write end, after recording both ends,
        // so a refused size (EPERM above pipe-max-size) closes this pipe too.
        if (pipesize_ > 0 && fcntl(ends[1], F_SETPIPE_SZ, pipesize_) == -1) {
          const int error_number = errno;
          close(ends[0]);
          close(ends[1]);
          parent_end = -1;
          fail(error_number);
        }
        return child_end;
      }
      case Stdio::Kind::devnull:
        if (fds_.devnull == -1) {
          fds_.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
          if (fds_.devnull == -1) fail(errno);
        }
        return fds_.devnull;
      case Stdio::Kind::fd:
        return stdio.fd;  // verbatim, even a bad one: the child reports EBADF
      case Stdio::Kind::to_stdout:
        // stdin only: stderr's is resolved by the caller and stdout's was
        // rejected by check_command.
        return stdout_constant;
    }
    return -1;
  }

  [[noreturn]] void fail(int error_number) {
    close_all_created(fds_);
    // os.pipe()/os.open() errors: OSError without filename (open of devnull
    // would carry '/dev/null', but it cannot reasonably fail).
    throw SpawnError(FailedStep::parent, error_number, std::nullopt);
  }

 private:
  StdioFds& fds_;
  int pipesize_;
};

void close_if_open(int& fd) noexcept {
  if (fd != -1) close(fd);
  fd = -1;
}

}  // namespace

StdioFds open_stdio(const Command& command) {
  StdioFds fds;
  StdioBuilder builder(fds, command.pipesize);
  fds.p2cread = builder.child_end(command.stdin_stream, true, fds.p2cwrite);
  fds.c2pwrite = builder.child_end(command.stdout_stream, false, fds.c2pread);
  if (command.stderr_stream.kind == Stdio::Kind::to_stdout) {
    // sys.__stdout__.fileno() is 1 when stdout is not redirected.
    fds.errwrite = fds.c2pwrite != -1 ? fds.c2pwrite : 1;
  } else {
    fds.errwrite = builder.child_end(command.stderr_stream, false, fds.errread);
  }
  return fds;
}

void close_child_ends(StdioFds& fds) noexcept {
  // Only ends of pipes we made (the parent end exists), and never devnull here.
  if (fds.p2cwrite != -1 && fds.p2cread != -1 && fds.p2cread != fds.devnull) close(fds.p2cread);
  if (fds.c2pread != -1 && fds.c2pwrite != -1 && fds.c2pwrite != fds.devnull) close(fds.c2pwrite);
  if (fds.errread != -1 && fds.errwrite != -1 && fds.errwrite != fds.devnull) close(fds.errwrite);
  close_if_open(fds.devnull);
}

void close_all_created(StdioFds& fds) noexcept {
  close_child_ends(fds);
  close_if_open(fds.p2cwrite);
  close_if_open(fds.c2pread);
  close_if_open(fds.errread);
}

}  // namespace spawn_core::detail
