// An os.posix_spawn / os.posix_spawnp equivalent: file actions and attributes
// passed to the C library's posix_spawn, with CPython's argument checks.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "spawn_core/command.hpp"

namespace spawn_core {

struct FileOpen { int fd; std::string path; int oflag; mode_t mode; };
struct FileClose { int fd; };
struct FileDup2 { int fd; int new_fd; };
struct FileCloseFrom { int fd; };
using FileAction = std::variant<FileOpen, FileClose, FileDup2, FileCloseFrom>;

struct SchedulerSpec {
  std::optional<int> policy;  // absent: only the parameter is set
  int priority = 0;
};

struct PosixSpawnOptions {
  std::vector<FileAction> file_actions;
  std::optional<pid_t> setpgroup;
  bool resetids = false;
  bool setsid = false;
  std::optional<std::vector<int>> setsigmask;  // present-but-empty clears the mask
  std::optional<std::vector<int>> setsigdef;
  std::optional<SchedulerSpec> scheduler;
};

// posix_spawn never searches PATH; posix_spawnp searches the caller's PATH.
// `env` absent means the caller's C environ (CPython 3.13). Errors are
// SpawnError with the path as filename, as CPython raises them.
pid_t posix_spawn(const std::string& path, const std::vector<std::string>& argv,
                  const std::optional<EnvList>& env, const PosixSpawnOptions& options = {});
pid_t posix_spawnp(const std::string& file, const std::vector<std::string>& argv,
                   const std::optional<EnvList>& env, const PosixSpawnOptions& options = {});

}  // namespace spawn_core
