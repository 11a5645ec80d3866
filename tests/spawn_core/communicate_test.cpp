// communicate() cannot deadlock: 10 MiB in, 10 MiB out on stdout and stderr at once.
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnPath;
using spawn_core::Stdio;

class Communicate : public testing::TestWithParam<SpawnPath> {};

TEST_P(Communicate, TenMebibytesBothWays) {
  std::string input(10 * 1024 * 1024, '\0');
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>('a' + i % 23);
  Command command;
  // tee copies stdin to stdout and stderr as it reads: if we stopped draining
  // either pipe while feeding stdin, everyone would block.
  command.args = {"/usr/bin/tee", "/dev/stderr"};
  command.stdin_stream = Stdio::pipe();
  command.stdout_stream = Stdio::pipe();
  command.stderr_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  const auto result = process.communicate(input);
  EXPECT_EQ(process.returncode(), 0);
  EXPECT_EQ(result.stdout_data.size(), input.size());
  EXPECT_TRUE(result.stdout_data == input);
  EXPECT_TRUE(result.stderr_data == input);
}

TEST_P(Communicate, ChildThatStopsReadingIsNotAnError) {
  Command command;
  command.args = {"/bin/sh", "-c", "exec 0<&-; echo done"};
  command.stdin_stream = Stdio::pipe();
  command.stdout_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  const auto result = process.communicate(std::string(1 << 20, 'x'));
  EXPECT_EQ(result.stdout_data, "done\n");
  EXPECT_EQ(process.returncode(), 0);
}

TEST_P(Communicate, TimeoutLeavesTheChildRunning) {
  Command command;
  command.args = {"/bin/sh", "-c", "echo partial; exec sleep 1000"};
  command.stdout_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  EXPECT_THROW(process.communicate({}, std::chrono::milliseconds(100)), spawn_core::TimeoutExpired);
  EXPECT_FALSE(process.poll().has_value());
  process.kill();
  EXPECT_EQ(process.wait(), -SIGKILL);
}

// A pipe end closed behind the handle's back is CPython's OSError EBADF, not an empty stream; the
// handle forgets that number rather than close whatever file holds it later.
int errno_of_communicate(spawn_core::Process& process) {
  try {
    process.communicate();
  } catch (const spawn_core::SpawnError& e) {
    EXPECT_EQ(e.python_type(), "OSError");
    return e.error_number();
  }
  return 0;
}

TEST_P(Communicate, StdoutPipeClosedBehindTheHandleIsEbadf) {
  Command command;
  command.args = {"/bin/true"};
  command.stdout_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  ::close(process.stdout_fd());
  EXPECT_EQ(errno_of_communicate(process), EBADF);
  EXPECT_EQ(process.stdout_fd(), -1);
  EXPECT_EQ(process.wait(), 0);
}

TEST_P(Communicate, StderrPipeClosedBehindTheHandleIsEbadfBesideAnOpenStdout) {
  Command command;
  command.args = {"/bin/true"};
  command.stdout_stream = Stdio::pipe();
  command.stderr_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  ::close(process.stderr_fd());
  EXPECT_EQ(errno_of_communicate(process), EBADF);
  EXPECT_EQ(process.wait(), 0);
}

TEST_P(Communicate, StdinPipeClosedBehindTheHandleIsEbadf) {
  Command command;
  command.args = {"/bin/true"};
  command.stdin_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  ::close(process.stdin_fd());
  EXPECT_EQ(errno_of_communicate(process), EBADF);
  EXPECT_EQ(process.stdin_fd(), -1);
  EXPECT_EQ(process.wait(), 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, Communicate, testing::ValuesIn(kAllPaths), path_name);
