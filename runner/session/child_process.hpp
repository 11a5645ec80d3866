#pragma once
// Spawning helper processes (drivers, interpreters) in their own process group, with a controlled
// environment and only the fds they are given. The runner's own fds are all close-on-exec.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fdconform {

// The environment every driver gets (docs/PROTOCOL.md "Transport").
std::vector<std::string> driver_environment();

// argv[0] as an absolute path: as given when it contains '/', else searched in the driver PATH.
std::optional<std::string> resolve_executable(const std::string& name);

// The first executable NAME in DIRS, a PATH-style list ("/a:/b").
std::optional<std::string> find_in_directories(const std::string& name, const std::string& dirs);

struct SpawnedChild {
  pid_t pid = -1;
  int stdin_fd = -1;   // write end
  int stdout_fd = -1;  // read end
  int stderr_fd = -1;  // read end
};

// Starts argv in a new process group with pipes on 0, 1, 2, in `environment` ("NAME=value" entries).
// Returns nullopt and sets `error` on failure.
std::optional<SpawnedChild> spawn_with_pipes(const std::vector<std::string>& argv, std::string& error,
                                             const std::vector<std::string>& environment = driver_environment());

// SIGKILL to the child's whole process group, then reap it.
void kill_and_reap(pid_t pid);

// "exited with status 3" / "killed by signal SIGSEGV"
std::string describe_wait_status(int status);

struct CapturedRun {
  bool ok = false;  // exited 0 within the time limit
  std::string out;
  std::string err;  // the last line of its stderr, for the message when it fails
  std::string error;
};

// Runs a short command (a driver's discovery program) and captures its output, bounded by `limit`.
CapturedRun run_and_capture(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                            const std::vector<std::string>& environment = driver_environment());

}  // namespace fdconform
