// Helpers for the spawn_core tests: run the probe through spawn_core and read
// what it observed, isolate tests that change process-wide state, temp dirs.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spawn_core/spawn_core.hpp"

namespace spawn_core_test {

const std::string& probe_path();

// A fresh directory under /tmp, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to `name` with `mode`; returns the full path.
  std::string write(const std::string& name, const std::string& content, mode_t mode = 0644) const;

 private:
  std::string path_;
};

// The probe's report, read back. A test reads it through the accessors
// below, never by dereferencing: a missing fd or field is then an ordinary
// (non-fatal) gtest failure at the caller's line that names what was
// missing and what the report held, and the accessor returns null JSON,
// which compares unequal to any expected value, instead of crashing the
// test binary or throwing out of the test body.
struct Report {
  nlohmann::json json;
  // The fd numbers the child reported (a failure naming it when the report has no "fds" list).
  std::vector<int> fds(std::source_location where = std::source_location::current()) const;
  const nlohmann::json* fd(int number) const;  // nullptr when not open; for has_fd and the accessors
  bool has_fd(int number) const { return fd(number) != nullptr; }
  // The member `key` ("kind", "path", "ino", ...) of fd `number`'s entry; null, and a failure
  // "fd N is not in the child's report (it has fds 0,1,2)" or naming the member, when absent.
  nlohmann::json fd_field(int number, const std::string& key,
                          std::source_location where = std::source_location::current()) const;
  // Any value of the report by JSON pointer ("/uid", "/argv/0", "/signals/blocked"); null, and a
  // failure naming the pointer, when absent.
  nlohmann::json field(const std::string& pointer, std::source_location where = std::source_location::current()) const;
  std::vector<std::string> names(const char* signal_list,  // "ignored", "caught", "blocked"
                                 std::source_location where = std::source_location::current()) const;
  bool signal_in(const char* signal_list, const std::string& name,
                 std::source_location where = std::source_location::current()) const;
};

// `command` with the probe as program (argv[0] is the probe unless the test
// set args already; --report is appended). Waits and returns the report.
// Fails the test (ADD_FAILURE) and returns nullopt when no report appears.
std::optional<Report> run_probe(spawn_core::Command command, const TempDir& dir,
                                const std::string& report_name = "probe.json");

// The probe command line for `dir` (args = {probe, --report=...}).
spawn_core::Command probe_command(const TempDir& dir, const std::string& report_name = "probe.json");
std::optional<Report> read_report(const std::string& path);

// Runs `body` in a forked copy of the test process (for tests that close or
// move fds 0-2, change signals or umask). Returns what `body` returned, or
// a message naming how the copy died. `body` must not use gtest macros.
std::string in_subprocess(const std::function<std::string()>& body);

// The paths a parameterized test runs on.
inline const std::vector<spawn_core::SpawnPath> kAllPaths = {
    spawn_core::SpawnPath::fork, spawn_core::SpawnPath::vfork, spawn_core::SpawnPath::posix_spawn};

// Sets command.path = path and skips the test when that path cannot run it.
#define SKIP_UNLESS_ELIGIBLE(command, path_value)                                                      \
  do {                                                                                                 \
    (command).path = (path_value);                                                                     \
    const std::string why_ = spawn_core::path_ineligibility((command), (path_value));                  \
    if (!why_.empty()) GTEST_SKIP() << spawn_core::to_string(path_value) << " is not eligible: " << why_; \
  } while (0)

std::string path_name(const testing::TestParamInfo<spawn_core::SpawnPath>& info);

// True when no child of this process is waiting to be reaped or running.
bool no_children_left();
int count_open_fds();

}  // namespace spawn_core_test
