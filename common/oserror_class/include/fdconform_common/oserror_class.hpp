// The OSError subclass CPython raises for an errno (PEP 3151's table, as
// CPython's OSError constructor applies it): FileNotFoundError for ENOENT,
// PermissionError for EACCES and EPERM, ..., plain "OSError" for the rest.
//
// Two parts of fdconform name failures with it and must not depend on each
// other: spawn_core, the reference library (its SpawnError carries the class
// CPython would raise), and the driver kit (it names a failed Popen call in a
// steps scenario, a C adapter's failure, a pipe it could not open). It lives
// here, header only and with no dependency, so that either can use the one
// table without linking the other.
#pragma once

#include <cerrno>

namespace fdconform_common {

constexpr const char* python_oserror_class(int error_number) noexcept {
  switch (error_number) {
    case EAGAIN:  // also EWOULDBLOCK on Linux
    case EALREADY:
    case EINPROGRESS: return "BlockingIOError";
    case ECHILD: return "ChildProcessError";
    case EPIPE:
    case ESHUTDOWN: return "BrokenPipeError";
    case ECONNABORTED: return "ConnectionAbortedError";
    case ECONNREFUSED: return "ConnectionRefusedError";
    case ECONNRESET: return "ConnectionResetError";
    case EEXIST: return "FileExistsError";
    case ENOENT: return "FileNotFoundError";
    case EISDIR: return "IsADirectoryError";
    case ENOTDIR: return "NotADirectoryError";
    case EINTR: return "InterruptedError";
    case EACCES:
    case EPERM: return "PermissionError";
    case ESRCH: return "ProcessLookupError";
    case ETIMEDOUT: return "TimeoutError";
    default: return "OSError";
  }
}

}  // namespace fdconform_common
