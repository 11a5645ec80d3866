// The low-fd collisions of child_exec: pipe ends on 0/1/2, the same fd for
// two streams, a source equal to its target with close-on-exec set, and
// every permutation of 0/1/2. Each runs in a forked copy of the test
// process, which rearranges its own fds 0-2 first.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnPath;
using spawn_core::Stdio;

namespace {

// Puts files std0, std1, std2 of `dir` on fds 0, 1, 2 (inheritable).
void put_files_on_std_fds(const TempDir& dir) {
  for (int fd = 0; fd < 3; ++fd) {
    const std::string name = dir.file("std" + std::to_string(fd));
    const int opened = open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    dup2(opened, fd);
    close(opened);
  }
}

// The returncode as text, or a sentence when there is none (the copy's result
// is compared with a string, so a missing one fails with that sentence).
std::string returncode_text(const spawn_core::Process& process) {
  const auto code = process.returncode();
  return code ? std::to_string(*code) : std::string("no returncode after communicate()");
}

std::string spawn_and_wait(Command command) {
  auto process = spawn_core::spawn(command);
  const int status = process.wait();
  return std::to_string(status) + " " + spawn_core::to_string(process.path_used());
}

}  // namespace

class LowFds : public testing::TestWithParam<SpawnPath> {};

TEST_P(LowFds, StdoutPipeReadEndOnClosedFd0) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdout_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::string outcome = in_subprocess([&] {
    close(0);
    auto process = spawn_core::spawn(command);
    if (process.stdout_fd() != 0) return std::string("read end not on fd 0");
    process.communicate();
    return returncode_text(process);
  });
  ASSERT_EQ(outcome, "0");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->has_fd(0)) << "the parent's read end must be closed in the child";
  ASSERT_TRUE(report->has_fd(1));
  EXPECT_EQ(report->fd_field(1, "kind"), "pipe");
}

TEST_P(LowFds, AllStandardFdsClosedAndThreePipes) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = Stdio::pipe();
  command.stdout_stream = Stdio::pipe();
  command.stderr_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::string outcome = in_subprocess([&] {
    close(0);
    close(1);
    close(2);
    try {
      auto process = spawn_core::spawn(command);
      process.communicate();
      return returncode_text(process);
    } catch (const spawn_core::SpawnError& error) {
      return std::string(error.python_type()) + ": " + error.what();
    }
  });
  if (GetParam() == SpawnPath::posix_spawn) {
    // The pipes land on 0..2, which the posix_spawn gate refuses.
    EXPECT_EQ(outcome.rfind("ValueError", 0), 0u) << outcome;
    return;
  }
  ASSERT_EQ(outcome, "0");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->fds(), (std::vector<int>{0, 1, 2}));
  for (int fd : {0, 1, 2}) EXPECT_EQ(report->fd_field(fd, "kind"), "pipe");
  EXPECT_EQ(report->fd_field(0, "access"), "rdonly");
  EXPECT_EQ(report->fd_field(1, "access"), "wronly");
  EXPECT_EQ(report->fd_field(2, "access"), "wronly");
  EXPECT_NE(report->fd_field(1, "ino"), report->fd_field(2, "ino"));
}

TEST_P(LowFds, SameFdForStdoutAndStderr) {
  TempDir dir;
  const std::string log = dir.write("log", "");
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::string outcome = in_subprocess([&] {
    const int fd = open(log.c_str(), O_WRONLY | O_CLOEXEC);
    command.stdout_stream = Stdio::from_fd(fd);
    command.stderr_stream = Stdio::from_fd(fd);
    return spawn_and_wait(command);
  });
  ASSERT_EQ(outcome.substr(0, 2), "0 ");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->fd_field(1, "path"), log);
  EXPECT_EQ(report->fd_field(2, "path"), log);
}

TEST_P(LowFds, SourceEqualToTargetWithCloexecIsCleared) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdout_stream = Stdio::from_fd(1);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::string outcome = in_subprocess([&] {
    put_files_on_std_fds(dir);
    fcntl(1, F_SETFD, FD_CLOEXEC);
    return spawn_and_wait(command);
  });
  ASSERT_EQ(outcome.substr(0, 2), "0 ");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  ASSERT_TRUE(report->has_fd(1)) << "fd 1 had FD_CLOEXEC and stdout=1 must clear it";
  EXPECT_EQ(report->fd_field(1, "path"), dir.file("std1"));
}

TEST_P(LowFds, InheritedStdFdWithCloexecIsLost) {
  TempDir dir;
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::string outcome = in_subprocess([&] {
    put_files_on_std_fds(dir);
    fcntl(1, F_SETFD, FD_CLOEXEC);
    return spawn_and_wait(command);
  });
  ASSERT_EQ(outcome.substr(0, 2), "0 ");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->has_fd(1));
  EXPECT_TRUE(report->has_fd(0));
}

TEST_P(LowFds, EveryPermutationOfStandardFds) {
  std::array<int, 3> sources = {0, 1, 2};
  do {
    TempDir dir;
    Command command = probe_command(dir);
    command.stdin_stream = Stdio::from_fd(sources[0]);
    command.stdout_stream = Stdio::from_fd(sources[1]);
    command.stderr_stream = Stdio::from_fd(sources[2]);
    SKIP_UNLESS_ELIGIBLE(command, GetParam());
    const std::string outcome = in_subprocess([&] {
      put_files_on_std_fds(dir);
      return spawn_and_wait(command);
    });
    ASSERT_EQ(outcome.substr(0, 2), "0 ") << outcome;
    auto report = read_report(dir.file("probe.json"));
    ASSERT_TRUE(report);
    for (int target = 0; target < 3; ++target) {
      ASSERT_TRUE(report->has_fd(target));
      EXPECT_EQ(report->fd_field(target, "path"), dir.file("std" + std::to_string(sources[target])))
          << "sources " << sources[0] << sources[1] << sources[2] << " target " << target;
    }
    EXPECT_EQ(report->fds(), (std::vector<int>{0, 1, 2}));
  } while (std::next_permutation(sources.begin(), sources.end()));
}

TEST_P(LowFds, StdoutFromFd0AndStderrFromFd0Or1) {
  for (const std::array<int, 2> sources : {std::array<int, 2>{0, 0}, std::array<int, 2>{0, 1}, std::array<int, 2>{1, 0}}) {
    TempDir dir;
    Command command = probe_command(dir);
    command.stdout_stream = Stdio::from_fd(sources[0]);
    command.stderr_stream = Stdio::from_fd(sources[1]);
    SKIP_UNLESS_ELIGIBLE(command, GetParam());
    const std::string outcome = in_subprocess([&] {
      put_files_on_std_fds(dir);
      return spawn_and_wait(command);
    });
    ASSERT_EQ(outcome.substr(0, 2), "0 ") << outcome;
    auto report = read_report(dir.file("probe.json"));
    ASSERT_TRUE(report);
    EXPECT_EQ(report->fd_field(0, "path"), dir.file("std0"));
    EXPECT_EQ(report->fd_field(1, "path"), dir.file("std" + std::to_string(sources[0])));
    EXPECT_EQ(report->fd_field(2, "path"), dir.file("std" + std::to_string(sources[1])));
    EXPECT_EQ(report->fds(), (std::vector<int>{0, 1, 2})) << "the low-fd copies must vanish at exec";
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, LowFds, testing::ValuesIn(kAllPaths), path_name);
