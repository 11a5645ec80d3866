// The typed error a failed spawn raises in the parent. It carries what
// CPython's OSError carries (errno, strerror, filename) plus the step that
// failed, and renders the same message CPython prints.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace spawn_core {

// Where a spawn failed. `parent` failures happen before any child exists
// (bad arguments, pipe creation, fork itself); the rest are reported by the
// child through the error pipe, or by posix_spawn.
enum class FailedStep {
  parent,      // in the parent, before or at fork/vfork/posix_spawn
  noexec,      // in the child, before exec (dup2, close, umask..., setsid, setpgid, credentials, pass_fds)
  chdir,       // in the child: chdir(cwd)  (CPython 3.13's "noexec:chdir")
  exec,        // in the child: every exec candidate failed
  posix_spawn, // posix_spawn(3) returned an error (file action, attribute or exec)
  path_not_eligible,  // a forced SpawnPath cannot honour the command's options (a ValueError)
};

class SpawnError : public std::runtime_error {
 public:
  SpawnError(FailedStep step, int error_number, std::optional<std::string> filename);
  // A ValueError/TypeError-like argument error detected before spawning.
  static SpawnError invalid_argument(std::string python_type, std::string message);
  // A forced path that cannot run the command; step() is FailedStep::path_not_eligible.
  static SpawnError path_not_eligible(std::string message);

  FailedStep step() const noexcept { return step_; }
  int error_number() const noexcept { return errno_; }  // 0 for argument errors
  const std::optional<std::string>& filename() const noexcept { return filename_; }
  // OSError.strerror: the C library's text for the errno; empty for argument errors.
  std::string strerror_text() const;
  // CPython's exception class for this error: FileNotFoundError, PermissionError,
  // NotADirectoryError, OSError, ValueError, TypeError, ...
  const std::string& python_type() const noexcept { return python_type_; }
  // e.g. "[Errno 2] No such file or directory: 'nope'" (what str(OSError) prints)
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  SpawnError(std::string python_type, std::string message);
  FailedStep step_ = FailedStep::parent;
  int errno_ = 0;
  std::optional<std::string> filename_;
  std::string python_type_;
  std::string message_;
};

// The PEP 3151 class CPython's OSError constructor picks for an errno.
std::string python_oserror_type(int error_number);

}  // namespace spawn_core
