// os.posix_spawn / os.posix_spawnp equivalents: file actions, attributes, errors.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::FileAction;
using spawn_core::PosixSpawnOptions;
using spawn_core::SpawnError;

namespace {

int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<Report> spawn_probe(const TempDir& dir, const PosixSpawnOptions& options,
                                  const std::optional<spawn_core::EnvList>& env = std::nullopt) {
  const pid_t pid = spawn_core::posix_spawn(probe_path(), {probe_path(), "--report=" + dir.file("probe.json")}, env, options);
  EXPECT_EQ(wait_status(pid), 0);
  return read_report(dir.file("probe.json"));
}

template <typename Call>
void expect_error(Call call, const std::string& type, const std::string& message) {
  try {
    call();
    ADD_FAILURE() << "no error, expected " << type;
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), type);
    EXPECT_EQ(std::string(error.what()), message);
  }
}

}  // namespace

TEST(PosixSpawn, FileActionsOpenCloseDup2AndClosefrom) {
  TempDir dir;
  const std::string data = dir.write("data", "hello");
  const int keep = open("/dev/null", O_RDONLY);  // inheritable: closefrom must remove it
  PosixSpawnOptions options;
  options.file_actions = {FileAction{spawn_core::FileOpen{5, data, O_RDONLY, 0}},
                          FileAction{spawn_core::FileDup2{5, 6}},
                          FileAction{spawn_core::FileClose{5}},
                          FileAction{spawn_core::FileCloseFrom{7}}};
  auto report = spawn_probe(dir, options);
  close(keep);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->has_fd(5));
  ASSERT_TRUE(report->has_fd(6));
  EXPECT_EQ(report->fd_field(6, "path"), data);
  for (int fd : report->fds()) EXPECT_LT(fd, 7);
}

TEST(PosixSpawn, SetpgroupAndSetsid) {
  TempDir dir;
  PosixSpawnOptions group;
  group.setpgroup = 0;
  auto report = spawn_probe(dir, group);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/pgid"), report->field("/pid"));
  EXPECT_EQ(report->field("/sid"), getsid(0));

  TempDir dir2;
  PosixSpawnOptions session;
  session.setsid = true;
  report = spawn_probe(dir2, session);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/sid"), report->field("/pid"));
}

TEST(PosixSpawn, SigmaskAndSigdef) {
  TempDir dir;
  const std::string outcome = in_subprocess([&] {
    signal(SIGUSR1, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, nullptr);
    PosixSpawnOptions options;
    options.setsigmask = std::vector<int>{SIGUSR2};
    options.setsigdef = std::vector<int>{SIGUSR1};
    const pid_t pid = spawn_core::posix_spawn(probe_path(), {probe_path(), "--report=" + dir.file("probe.json")},
                                              std::nullopt, options);
    return std::to_string(wait_status(pid));
  });
  ASSERT_EQ(outcome, "0");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->names("blocked"), std::vector<std::string>{"SIGUSR2"});
  EXPECT_FALSE(report->signal_in("ignored", "SIGUSR1"));
}

TEST(PosixSpawn, EmptySigmaskClearsTheInheritedMask) {
  TempDir dir;
  const std::string outcome = in_subprocess([&] {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, nullptr);
    PosixSpawnOptions options;
    options.setsigmask = std::vector<int>{};
    const pid_t pid = spawn_core::posix_spawn(probe_path(), {probe_path(), "--report=" + dir.file("probe.json")},
                                              std::nullopt, options);
    return std::to_string(wait_status(pid));
  });
  ASSERT_EQ(outcome, "0");
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->names("blocked").empty());
}

TEST(PosixSpawn, ResetidsAndSchedulerParameterOnly) {
  TempDir dir;
  PosixSpawnOptions options;
  options.resetids = true;
  options.scheduler = spawn_core::SchedulerSpec{std::nullopt, 0};
  auto report = spawn_probe(dir, options);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/euid"), getuid());
  EXPECT_EQ(report->field("/egid"), getgid());
}

TEST(PosixSpawn, SchedulerWithPolicy) {
  TempDir dir;
  PosixSpawnOptions options;
  options.scheduler = spawn_core::SchedulerSpec{SCHED_OTHER, 0};
  const pid_t pid = spawn_core::posix_spawn("/bin/sh", {"/bin/sh", "-c", "exit 0"}, std::nullopt, options);
  EXPECT_EQ(wait_status(pid), 0);
}

TEST(PosixSpawn, EnvIsReplaced) {
  TempDir dir;
  auto report = spawn_probe(dir, {}, spawn_core::EnvList{{"=LEADING", "ok"}, {"B", "2"}});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), nlohmann::json::array({"=LEADING=ok", "B=2"}));
}

TEST(PosixSpawn, SpawnpSearchesTheCallersPath) {
  const pid_t pid = spawn_core::posix_spawnp("true", {"true"}, spawn_core::EnvList{{"PATH", "/nonexistent"}});
  EXPECT_EQ(wait_status(pid), 0);
}

TEST(PosixSpawn, ErrorsAsCPythonRaisesThem) {
  TempDir dir;
  expect_error([&] { spawn_core::posix_spawn(dir.file("nope"), {"x"}, std::nullopt); }, "FileNotFoundError",
               "[Errno 2] No such file or directory: '" + dir.file("nope") + "'");
  expect_error([&] { spawn_core::posix_spawn("true", {"true"}, std::nullopt); }, "FileNotFoundError",
               "[Errno 2] No such file or directory: 'true'");
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {}, std::nullopt); }, "ValueError",
               "posix_spawn: argv must not be empty");
  expect_error([&] { spawn_core::posix_spawnp("true", {""}, std::nullopt); }, "ValueError",
               "posix_spawnp: argv first element cannot be empty");
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {"x"}, spawn_core::EnvList{{"", "v"}}); }, "ValueError",
               "illegal environment variable name");
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {"x"}, spawn_core::EnvList{{"A=B", "v"}}); }, "ValueError",
               "illegal environment variable name");
  PosixSpawnOptions bad_signal;
  bad_signal.setsigmask = std::vector<int>{0};
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {"x"}, std::nullopt, bad_signal); }, "ValueError",
               "signal number 0 out of range [1; 64]");
  PosixSpawnOptions bad_close;
  bad_close.file_actions = {FileAction{spawn_core::FileClose{-1}}};
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {"x"}, std::nullopt, bad_close); }, "OSError",
               "[Errno 9] Bad file descriptor");
  PosixSpawnOptions missing_file;
  missing_file.file_actions = {FileAction{spawn_core::FileOpen{3, dir.file("absent"), O_RDONLY, 0}}};
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {"x"}, std::nullopt, missing_file); }, "FileNotFoundError",
               "[Errno 2] No such file or directory: '/bin/true'");
  PosixSpawnOptions bad_group;
  bad_group.setpgroup = 999999;
  expect_error([&] { spawn_core::posix_spawn("/bin/true", {"x"}, std::nullopt, bad_group); }, "PermissionError",
               "[Errno 1] Operation not permitted: '/bin/true'");
  EXPECT_TRUE(no_children_left());
}
