// os.posix_spawn arguments that no scenario can give: a signal number beyond the names the
// scenario format knows (NSIG itself), and the mode of a file an open action creates (the
// probe reports open fds, not the permission bits of the files behind them).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::FileAction;
using spawn_core::PosixSpawnOptions;
using spawn_core::SpawnError;

namespace {

void expect_value_error(const PosixSpawnOptions& options, const std::string& message) {
  try {
    const pid_t pid = spawn_core::posix_spawn("/bin/true", {"true"}, std::nullopt, options);
    int status = 0;
    waitpid(pid, &status, 0);
    ADD_FAILURE() << "a child was spawned, expected ValueError: " << message;
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), "ValueError");
    EXPECT_EQ(std::string(error.what()), message);
  }
}

}  // namespace

TEST(PosixSpawnArguments, SignalNumbersOutsideOneToNsigMinusOneAreValueErrors) {
  const std::string range = "out of range [1; " + std::to_string(NSIG - 1) + "]";
  PosixSpawnOptions mask;
  mask.setsigmask = std::vector<int>{SIGUSR1, NSIG};
  expect_value_error(mask, "signal number " + std::to_string(NSIG) + " " + range);
  PosixSpawnOptions defaults;
  defaults.setsigdef = std::vector<int>{NSIG};
  expect_value_error(defaults, "signal number " + std::to_string(NSIG) + " " + range);
  PosixSpawnOptions zero;
  zero.setsigmask = std::vector<int>{0};
  expect_value_error(zero, "signal number 0 " + range);
  EXPECT_TRUE(no_children_left());
}

TEST(PosixSpawnArguments, OpenActionCreatesTheFileWithItsModeUnderTheUmask) {
  TempDir dir;
  const std::string created = dir.file("created");
  const mode_t old_umask = umask(022);
  PosixSpawnOptions options;
  options.file_actions = {FileAction{spawn_core::FileOpen{5, created, O_WRONLY | O_CREAT, 0654}}};
  const pid_t pid = spawn_core::posix_spawn("/bin/true", {"true"}, std::nullopt, options);
  umask(old_umask);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  struct stat info {};
  ASSERT_EQ(stat(created.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0654u & ~022u);  // 0654: the mode given, minus the child's umask
}
