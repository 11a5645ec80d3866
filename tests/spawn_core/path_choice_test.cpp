// The automatic path follows CPython 3.13's gates, and a forced path that
// cannot honour the options is a ValueError, never a silent fallback.
#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnError;
using spawn_core::SpawnPath;
using spawn_core::Stdio;

namespace {

Command absolute_true() {
  Command command;
  command.args = {"/bin/true"};
  return command;
}

}  // namespace

TEST(PathChoice, DefaultsUsePosixSpawnAndTheChildRuns) {
  Command command = absolute_true();
  EXPECT_EQ(spawn_core::choose_path(command), SpawnPath::posix_spawn);
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.path_used(), SpawnPath::posix_spawn);
  EXPECT_EQ(process.wait(), 0);
}

TEST(PathChoice, EachPosixSpawnGateFallsBackToVfork) {
  const auto vfork_when = [](auto change) {
    Command command = absolute_true();
    change(command);
    return spawn_core::choose_path(command);
  };
  EXPECT_EQ(vfork_when([](Command& c) { c.args = {"true"}; }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.pass_fds = {5}; }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.cwd = "/"; }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.stdin_stream = Stdio::from_fd(0); }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.stdout_stream = Stdio::from_fd(2); }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.stderr_stream = Stdio::to_stdout(); }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.stdin_stream = Stdio::to_stdout(); }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.start_new_session = true; }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.process_group = -7; }), SpawnPath::vfork);
  EXPECT_EQ(vfork_when([](Command& c) { c.umask = 0; }), SpawnPath::vfork);
  // Not gates: close_fds, env, restore_signals, redirections above 2.
  EXPECT_EQ(vfork_when([](Command& c) { c.close_fds = false; }), SpawnPath::posix_spawn);
  EXPECT_EQ(vfork_when([](Command& c) { c.env = spawn_core::EnvList{}; }), SpawnPath::posix_spawn);
  EXPECT_EQ(vfork_when([](Command& c) { c.restore_signals = false; }), SpawnPath::posix_spawn);
  EXPECT_EQ(vfork_when([](Command& c) { c.stdout_stream = Stdio::pipe(); }), SpawnPath::posix_spawn);
  EXPECT_EQ(vfork_when([](Command& c) { c.stdout_stream = Stdio::from_fd(7); }), SpawnPath::posix_spawn);
}

TEST(PathChoice, CredentialsForceFork) {
  Command command = absolute_true();
  command.extra_groups = std::vector<spawn_core::GroupSpec>{};
  EXPECT_EQ(spawn_core::choose_path(command), SpawnPath::fork);
  Command minus_one = absolute_true();
  minus_one.user = static_cast<uid_t>(-1);  // "not given" for the C code, still a posix_spawn gate
  EXPECT_EQ(spawn_core::choose_path(minus_one), SpawnPath::vfork);
}

int succeed_in_child(void*) { return 0; }
int fail_in_child(void*) { return 1; }

TEST(PathChoice, APreExecHookForcesForkAndRunsInTheChild) {
  Command command = absolute_true();
  command.pre_exec = {succeed_in_child, nullptr};
  EXPECT_EQ(spawn_core::choose_path(command), SpawnPath::fork);
  EXPECT_FALSE(spawn_core::path_ineligibility(command, SpawnPath::vfork).empty());
  EXPECT_FALSE(spawn_core::path_ineligibility(command, SpawnPath::posix_spawn).empty());
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.path_used(), SpawnPath::fork);
  EXPECT_EQ(process.wait(), 0);

  // A failing hook is CPython's preexec_fn exception: SubprocessError, no child left.
  command.pre_exec = {fail_in_child, nullptr};
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "a failing pre-exec hook spawned a child";
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), "SubprocessError");
    EXPECT_STREQ(error.what(), "Exception occurred in preexec_fn.");
  }
  EXPECT_TRUE(no_children_left());
}

TEST(PathChoice, ForcedPathsThatCannotHonourTheOptionsAreValueErrors) {
  Command cwd = absolute_true();
  cwd.cwd = "/";
  cwd.path = SpawnPath::posix_spawn;
  Command bare;
  bare.args = {"true"};
  bare.path = SpawnPath::posix_spawn;
  Command user = absolute_true();
  user.user = static_cast<uid_t>(0);
  user.path = SpawnPath::vfork;
  for (const Command* command : {&cwd, &bare, &user}) {
    EXPECT_FALSE(spawn_core::path_ineligibility(*command, command->path).empty());
    try {
      spawn_core::spawn(*command);
      ADD_FAILURE() << "forced " << spawn_core::to_string(command->path) << " was accepted";
    } catch (const SpawnError& error) {
      EXPECT_EQ(error.python_type(), "ValueError");
      EXPECT_NE(std::string(error.what()).find(spawn_core::to_string(command->path)), std::string::npos) << error.what();
    }
  }
  EXPECT_TRUE(no_children_left());
}

TEST(PathChoice, ForcedPathIsThePathUsed) {
  for (SpawnPath path : kAllPaths) {
    Command command = absolute_true();
    command.path = path;
    auto process = spawn_core::spawn(command);
    EXPECT_EQ(process.path_used(), path);
    EXPECT_EQ(process.wait(), 0);
  }
}

TEST(PathChoice, Names) {
  EXPECT_STREQ(spawn_core::to_string(SpawnPath::posix_spawn), "posix_spawn");
  EXPECT_STREQ(spawn_core::to_string(spawn_core::CloseStrategy::proc_self_fd), "proc_self_fd");
}
