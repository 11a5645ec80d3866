// Argument errors raised before any child exists, with CPython's messages,
// plus every plain argument observed by the child on each eligible path.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnError;
using spawn_core::SpawnPath;
using spawn_core::Stdio;

namespace {

void expect_argument_error(const Command& command, const std::string& type, const std::string& message) {
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "spawn succeeded, expected " << type;
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), type);
    EXPECT_EQ(std::string(error.what()), message);
  }
}

}  // namespace

TEST(SpawnArguments, EnvKeyWithEqualsIsIllegalOnForkPaths) {
  TempDir dir;
  Command command = probe_command(dir);
  command.cwd = dir.path();  // keeps it off the posix_spawn path
  command.env = spawn_core::EnvList{{"A=B", "x"}};
  expect_argument_error(command, "ValueError", "illegal environment variable name");
}

// CPython 3.13 converts fork_exec's arguments (process_group among them) before its body checks
// fds_to_keep and converts argv, env and cwd: the OverflowError comes first.
TEST(SpawnArguments, ProcessGroupOverflowComesBeforeTheFdsToKeepAndNulChecks) {
  TempDir dir;
  Command command = probe_command(dir);
  command.process_group = 2147483648LL;
  command.pass_fds = {-1};
  command.env = spawn_core::EnvList{{"A", std::string("x\0y", 3)}};
  expect_argument_error(command, "OverflowError", "Python int too large to convert to C int");
  command.process_group = -1;
  expect_argument_error(command, "ValueError", "bad value(s) in fds_to_keep");
  command.pass_fds = {};
  command.cwd = dir.path();  // keeps it off the posix_spawn path
  expect_argument_error(command, "ValueError", "embedded null byte");
  command.env = spawn_core::EnvList{{"A=B", std::string("x\0y", 3)}};
  command.process_group = 2147483648LL;
  expect_argument_error(command, "ValueError", "illegal environment variable name");  // Popen's own, first
}

TEST(SpawnArguments, ProcessGroupOutsideTheCIntRangeIsOverflowErrorAsIn313) {
  TempDir dir;
  // 3.12.1 truncated these (2**32 became a new group, 2**31 the parent's); 3.11 and 3.13 raise.
  for (long long group : {4294967296LL, 2147483648LL, -2147483649LL}) {
    Command command = probe_command(dir);
    command.process_group = group;
    expect_argument_error(command, "OverflowError", "Python int too large to convert to C int");
  }
  Command command = probe_command(dir);
  command.process_group = 2147483647LL;  // the largest C int converts, and setpgid refuses it in the child
  try {
    spawn_core::spawn(command).wait();
    ADD_FAILURE() << "setpgid(0, 2147483647) succeeded";
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), "PermissionError");
  }
}

TEST(SpawnArguments, EmptyEnvKeyIsAcceptedOnForkPathsAndRejectedByPosixSpawn) {
  TempDir dir;
  Command command = probe_command(dir);
  command.env = spawn_core::EnvList{{"", "x"}};
  command.path = SpawnPath::vfork;
  {
    auto process = spawn_core::spawn(command);
    EXPECT_EQ(process.wait(), 0);
    auto report = read_report(dir.file("probe.json"));
    ASSERT_TRUE(report);
    EXPECT_EQ(report->field("/env"), nlohmann::json::array({"=x"}));
  }
  command.path = SpawnPath::posix_spawn;
  expect_argument_error(command, "ValueError", "illegal environment variable name");
}

TEST(SpawnArguments, EmbeddedNulIsRejected) {
  TempDir dir;
  Command command = probe_command(dir);
  command.args.push_back(std::string("a\0b", 3));
  expect_argument_error(command, "ValueError", "embedded null byte");
  Command env_command = probe_command(dir);
  env_command.env = spawn_core::EnvList{{"K", std::string("v\0", 2)}};
  expect_argument_error(env_command, "ValueError", "embedded null byte");
}

TEST(SpawnArguments, NegativePassFdIsABadValue) {
  TempDir dir;
  Command command = probe_command(dir);
  command.pass_fds = {-3};
  expect_argument_error(command, "ValueError", "bad value(s) in fds_to_keep");
}

TEST(SpawnArguments, StdoutToStdoutIsRejected) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdout_stream = Stdio::to_stdout();
  expect_argument_error(command, "ValueError", "STDOUT can only be used for stderr");
}

TEST(SpawnArguments, EmptyArgsWithoutExecutable) {
  Command command;
  expect_argument_error(command, "IndexError", "list index out of range");
}

TEST(SpawnArguments, UnknownUserNameIsAKeyError) {
  TempDir dir;
  Command command = probe_command(dir);
  command.user = std::string("no-such-user-spawn-core");
  expect_argument_error(command, "KeyError", "getpwnam(): name not found: 'no-such-user-spawn-core'");
  Command group_command = probe_command(dir);
  group_command.group = std::string("no-such-group-spawn-core");
  expect_argument_error(group_command, "KeyError", "getgrnam(): name not found: 'no-such-group-spawn-core'");
}

TEST(SpawnArguments, PosixSpawnPathRejectsEmptyArgv0) {
  Command command;
  command.args = {""};
  command.executable = "/bin/true";
  command.path = SpawnPath::posix_spawn;
  expect_argument_error(command, "ValueError", "posix_spawn: argv first element cannot be empty");
}

class SpawnOnPath : public testing::TestWithParam<SpawnPath> {};

TEST_P(SpawnOnPath, ArgvAndExecutableAreSeparate) {
  TempDir dir;
  Command command;
  command.args = {"custom-argv0", "--report=" + dir.file("probe.json")};
  command.executable = probe_path();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  ASSERT_EQ(process.wait(), 0);
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/argv/0"), "custom-argv0");
  EXPECT_EQ(process.path_used(), GetParam());
}

TEST_P(SpawnOnPath, ShellRunsThroughBinSh) {
  TempDir dir;
  Command command;
  command.shell = true;
  command.args = {"exec " + probe_path() + " shell-arg"};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/argv/1"), "shell-arg");
}

TEST_P(SpawnOnPath, EnvReplacesTheEnvironmentInOrder) {
  TempDir dir;
  Command command = probe_command(dir);
  command.env = spawn_core::EnvList{{"ZED", "1"}, {"ALPHA", "2"}};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), nlohmann::json::array({"ZED=1", "ALPHA=2"}));
}

TEST_P(SpawnOnPath, AbsentEnvInheritsTheCEnviron) {
  TempDir dir;
  setenv("SPAWN_CORE_TEST_MARKER", "seen", 1);
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  unsetenv("SPAWN_CORE_TEST_MARKER");
  ASSERT_TRUE(report);
  bool found = false;
  for (const auto& entry : report->field("/env")) found = found || entry == "SPAWN_CORE_TEST_MARKER=seen";
  EXPECT_TRUE(found);
}

TEST_P(SpawnOnPath, CwdIsTheChildsDirectory) {
  TempDir dir;
  Command command = probe_command(dir);
  command.cwd = dir.path();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/cwd"), dir.path());
}

TEST_P(SpawnOnPath, UmaskIsSetInTheChildOnly) {
  TempDir dir;
  Command command = probe_command(dir);
  command.umask = 077;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const mode_t before = umask(022);
  umask(before);
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/umask"), "077");
  const mode_t after = umask(before);
  EXPECT_EQ(after, before);
}

TEST_P(SpawnOnPath, StartNewSessionMakesTheChildASessionLeader) {
  TempDir dir;
  Command command = probe_command(dir);
  command.start_new_session = true;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/sid"), report->field("/pid"));
  EXPECT_EQ(report->field("/pgid"), report->field("/pid"));
}

TEST_P(SpawnOnPath, ProcessGroupZeroMakesAGroupLeaderInOurSession) {
  TempDir dir;
  Command command = probe_command(dir);
  command.process_group = 0;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/pgid"), report->field("/pid"));
  EXPECT_EQ(report->field("/sid"), getsid(0));
}

TEST_P(SpawnOnPath, DefaultKeepsGroupAndSession) {
  TempDir dir;
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/pgid"), getpgid(0));
  EXPECT_EQ(report->field("/sid"), getsid(0));
}

// Signal state is process-wide: these run in a forked copy of the test.
TEST_P(SpawnOnPath, RestoreSignalsResetsSigpipeAndSigxfszOnly) {
  const SpawnPath path = GetParam();
  for (const bool restore : {true, false}) {
    TempDir dir;
    Command command = probe_command(dir);
    command.restore_signals = restore;
    SKIP_UNLESS_ELIGIBLE(command, path);
    const std::string outcome = in_subprocess([&] {
      signal(SIGPIPE, SIG_IGN);
      signal(SIGXFSZ, SIG_IGN);
      signal(SIGUSR1, SIG_IGN);
      auto process = spawn_core::spawn(command);
      return std::to_string(process.wait());
    });
    ASSERT_EQ(outcome, "0");
    auto report = read_report(dir.file("probe.json"));
    ASSERT_TRUE(report);
    EXPECT_EQ(report->signal_in("ignored", "SIGPIPE"), !restore) << "restore_signals=" << restore;
    EXPECT_EQ(report->signal_in("ignored", "SIGXFSZ"), !restore) << "restore_signals=" << restore;
    EXPECT_TRUE(report->signal_in("ignored", "SIGUSR1"));
  }
}

void record_signal(int) {}

TEST_P(SpawnOnPath, CaughtSignalsBecomeDefaultAndTheMaskIsInherited) {
  TempDir dir;
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::string outcome = in_subprocess([&] {
    struct sigaction action {};
    action.sa_handler = record_signal;
    sigaction(SIGUSR2, &action, nullptr);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);
    auto process = spawn_core::spawn(command);
    const int status = process.wait();
    // The parent's own mask is back to what it was around the spawn.
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, nullptr, &now);
    return std::to_string(status) + (sigismember(&now, SIGTERM) ? " leaked-block" : "");
  });
  ASSERT_EQ(outcome, "0");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->signal_in("caught", "SIGUSR2"));
  EXPECT_EQ(report->names("blocked"), std::vector<std::string>{"SIGHUP"});
}

INSTANTIATE_TEST_SUITE_P(Paths, SpawnOnPath, testing::ValuesIn(kAllPaths), path_name);
