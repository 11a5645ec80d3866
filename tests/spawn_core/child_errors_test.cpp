// Failures in the child reach the parent as CPython 3.13 raises them: the
// step, errno, class and filename, with the failed child already reaped.
#include <cerrno>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::FailedStep;
using spawn_core::SpawnError;
using spawn_core::SpawnPath;

namespace {

struct Expected {
  FailedStep step;
  int error_number;
  std::optional<std::string> filename;
};

void expect_failure(const Command& command, const Expected& expected) {
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "spawn succeeded";
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.step(), expected.step) << error.what();
    EXPECT_EQ(error.error_number(), expected.error_number) << error.what();
    EXPECT_EQ(error.filename(), expected.filename) << error.what();
    EXPECT_EQ(error.python_type(), spawn_core::python_oserror_type(expected.error_number));
  }
  EXPECT_TRUE(no_children_left()) << "the failed child was not reaped";
}

// posix_spawn reports exec failures itself, with the executable as filename.
FailedStep exec_step(SpawnPath path) { return path == SpawnPath::posix_spawn ? FailedStep::posix_spawn : FailedStep::exec; }

}  // namespace

class ChildErrors : public testing::TestWithParam<SpawnPath> {};

TEST_P(ChildErrors, MissingExecutable) {
  TempDir dir;
  Command command;
  command.args = {dir.file("nope")};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {exec_step(GetParam()), ENOENT, dir.file("nope")});
  try {
    spawn_core::spawn(command);
  } catch (const SpawnError& error) {
    EXPECT_EQ(std::string(error.what()), "[Errno 2] No such file or directory: '" + dir.file("nope") + "'");
    EXPECT_EQ(error.python_type(), "FileNotFoundError");
  }
}

TEST_P(ChildErrors, MissingExecutableNamedByExecutableNotArgv0) {
  TempDir dir;
  Command command;
  command.args = {"argv0"};
  command.executable = dir.file("nope");
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {exec_step(GetParam()), ENOENT, dir.file("nope")});
}

TEST_P(ChildErrors, NotExecutable) {
  TempDir dir;
  const std::string script = dir.write("script", "#!/bin/sh\nexit 0\n", 0644);
  Command command;
  command.args = {script};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {exec_step(GetParam()), EACCES, script});
}

TEST_P(ChildErrors, ExecFormatErrorIsPlainOSError) {
  TempDir dir;
  const std::string junk = dir.write("junk", "\x7f" "ELFgarbage", 0755);
  Command command;
  command.args = {junk};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {exec_step(GetParam()), ENOEXEC, junk});
}

TEST_P(ChildErrors, MissingCwdNamesTheDirectory) {
  TempDir dir;
  Command command = probe_command(dir);
  command.cwd = dir.file("missing");
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::chdir, ENOENT, dir.file("missing")});
}

TEST_P(ChildErrors, PassFdNotOpenIsEbadfWithoutFilename) {
  TempDir dir;
  Command command = probe_command(dir);
  command.pass_fds = {987};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::noexec, EBADF, std::nullopt});
  try {
    spawn_core::spawn(command);
  } catch (const SpawnError& error) {
    EXPECT_STREQ(error.what(), "[Errno 9] Bad file descriptor");
  }
}

TEST_P(ChildErrors, BadRedirectFdIsEbadf) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = spawn_core::Stdio::from_fd(988);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  // The fork paths report it as "noexec" with no filename; posix_spawn
  // attaches the executable to every failure (CPython E14).
  if (GetParam() == SpawnPath::posix_spawn) {
    expect_failure(command, {FailedStep::posix_spawn, EBADF, probe_path()});
  } else {
    expect_failure(command, {FailedStep::noexec, EBADF, std::nullopt});
  }
}

// CPython 3.13 rejects STDOUT for stdout only; as stdin it is the fd -2,
// which keeps the call off posix_spawn (a low fd) and fails the child's dup2.
TEST_P(ChildErrors, StdinToStdoutIsEbadfInTheChild) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = spawn_core::Stdio::to_stdout();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::noexec, EBADF, std::nullopt});
}

TEST_P(ChildErrors, SetpgidIntoAMissingGroupIsEperm) {
  TempDir dir;
  Command command = probe_command(dir);
  command.process_group = 999999;
  command.cwd = dir.path();  // 3.13 no longer attaches cwd to this failure
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::noexec, EPERM, std::nullopt});
}

TEST_P(ChildErrors, NewSessionThenProcessGroupZeroIsEperm) {
  TempDir dir;
  Command command = probe_command(dir);
  command.start_new_session = true;
  command.process_group = 0;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::noexec, EPERM, std::nullopt});
}

TEST_P(ChildErrors, InvalidExtraGroupIsEinval) {
  TempDir dir;
  Command command = probe_command(dir);
  command.extra_groups = std::vector<spawn_core::GroupSpec>{static_cast<gid_t>(-1)};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::noexec, geteuid() == 0 ? EINVAL : EPERM, std::nullopt});
}

TEST_P(ChildErrors, SetuidWithoutPrivilegeIsEperm) {
  if (geteuid() == 0) GTEST_SKIP() << "as root setreuid succeeds; the EPERM case needs an unprivileged run";
  TempDir dir;
  Command command = probe_command(dir);
  command.user = static_cast<uid_t>(0);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  expect_failure(command, {FailedStep::noexec, EPERM, std::nullopt});
}

INSTANTIATE_TEST_SUITE_P(Paths, ChildErrors, testing::ValuesIn(kAllPaths), path_name);
