// The Process handle: wait/poll/wait_for, signals, and what a dropped handle does.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::Stdio;

namespace {

Command sleeper() {
  Command command;
  command.args = {"/bin/sleep", "1000"};
  return command;
}

}  // namespace

TEST(ProcessHandle, ExitStatusAndSignalReturnCodes) {
  Command command;
  command.args = {"/bin/sh", "-c", "exit 7"};
  auto exited = spawn_core::spawn(command);
  EXPECT_EQ(exited.wait(), 7);
  EXPECT_EQ(exited.returncode(), 7);
  EXPECT_EQ(exited.poll(), 7);

  auto killed = spawn_core::spawn(sleeper());
  EXPECT_FALSE(killed.poll().has_value());
  killed.terminate();
  EXPECT_EQ(killed.wait(), -SIGTERM);
  killed.kill();  // a no-op once reaped
  EXPECT_EQ(killed.returncode(), -SIGTERM);
}

TEST(ProcessHandle, WaitForTimesOutThenSucceeds) {
  auto process = spawn_core::spawn(sleeper());
  EXPECT_FALSE(process.wait_for(std::chrono::milliseconds(20)).has_value());
  process.send_signal(SIGKILL);
  EXPECT_EQ(process.wait_for(std::chrono::seconds(60)), -SIGKILL);
}

TEST(ProcessHandle, DroppedHandleLeavesNoZombieAndNoFd) {
  const int fds_before = count_open_fds();
  pid_t pid;
  {
    Command command = sleeper();
    command.stdin_stream = Stdio::pipe();
    command.stdout_stream = Stdio::pipe();
    command.stderr_stream = Stdio::pipe();
    auto process = spawn_core::spawn(command);
    pid = process.pid();
    EXPECT_EQ(count_open_fds(), fds_before + 3);
  }
  EXPECT_EQ(count_open_fds(), fds_before);
  EXPECT_EQ(kill(pid, 0), -1) << "the child still exists (zombie or running)";
  EXPECT_TRUE(no_children_left());
}

TEST(ProcessHandle, MovedHandleOwnsTheChild) {
  auto first = spawn_core::spawn(sleeper());
  const pid_t pid = first.pid();
  spawn_core::Process second = std::move(first);
  EXPECT_EQ(first.pid(), -1);
  EXPECT_EQ(second.pid(), pid);
  second.kill();
  EXPECT_EQ(second.wait(), -SIGKILL);
}
