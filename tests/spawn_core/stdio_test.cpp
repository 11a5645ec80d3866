// stdin/stdout/stderr: inherit, pipe, devnull, a given fd, stderr into stdout.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnPath;
using spawn_core::Stdio;

class StdioOnPath : public testing::TestWithParam<SpawnPath> {};

TEST_P(StdioOnPath, PipesConnectTheParentEnds) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = Stdio::pipe();
  command.stdout_stream = Stdio::pipe();
  command.stderr_stream = Stdio::pipe();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  command.args.push_back("--report=" + dir.file("probe.json"));
  const int fds_before = count_open_fds();
  auto process = spawn_core::spawn(command);
  ASSERT_NE(process.stdin_fd(), -1);
  ASSERT_NE(process.stdout_fd(), -1);
  ASSERT_NE(process.stderr_fd(), -1);
  // Parent ends are close-on-exec; the child ends were closed in the parent.
  EXPECT_TRUE(fcntl(process.stdin_fd(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(process.stdout_fd(), F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(count_open_fds(), fds_before + 3);
  process.communicate();
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  for (int fd : {0, 1, 2}) {
    ASSERT_TRUE(report->has_fd(fd)) << fd;
    EXPECT_EQ(report->fd_field(fd, "kind"), "pipe") << fd;
  }
  EXPECT_EQ(report->fd_field(0, "access"), "rdonly");
  EXPECT_EQ(report->fd_field(1, "access"), "wronly");
  EXPECT_EQ(report->fds(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(count_open_fds(), fds_before);
}

TEST_P(StdioOnPath, DevnullIsOneReadWriteOpenForEveryStream) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = Stdio::devnull();
  command.stdout_stream = Stdio::devnull();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const int fds_before = count_open_fds();
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  for (int fd : {0, 1}) {
    EXPECT_EQ(report->fd_field(fd, "path"), "/dev/null");
    EXPECT_EQ(report->fd_field(fd, "access"), "rdwr");
  }
  EXPECT_EQ(count_open_fds(), fds_before);
}

TEST_P(StdioOnPath, GivenFdIsUsedAndLeftOpenInTheParent) {
  TempDir dir;
  const std::string log = dir.write("log", "");
  const int fd = open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  Command command = probe_command(dir);
  command.stdout_stream = Stdio::from_fd(fd);
  command.stderr_stream = Stdio::to_stdout();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  EXPECT_GE(fcntl(fd, F_GETFD), 0) << "spawn_core closed the caller's fd";
  close(fd);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->fd_field(1, "path"), log);
  EXPECT_EQ(report->fd_field(1, "flags"), nlohmann::json::array({"append"}));
  EXPECT_EQ(report->fd_field(2, "ino"), report->fd_field(1, "ino"));
  EXPECT_FALSE(report->has_fd(fd)) << "the source fd was close-on-exec";
}

TEST_P(StdioOnPath, StderrToStdoutWithPipeSharesThePipe) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdout_stream = Stdio::pipe();
  command.stderr_stream = Stdio::to_stdout();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  command.args.push_back("--report=" + dir.file("probe.json"));
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.stderr_fd(), -1);
  process.communicate();
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->fd_field(1, "kind"), "pipe");
  EXPECT_EQ(report->fd_field(2, "ino"), report->fd_field(1, "ino"));
}

TEST_P(StdioOnPath, InheritLeavesTheParentsStandardFds) {
  TempDir dir;
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  for (int fd : {0, 1, 2}) {
    if (fcntl(fd, F_GETFD) < 0 || (fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
      EXPECT_FALSE(report->has_fd(fd));
      continue;
    }
    ASSERT_TRUE(report->has_fd(fd));
    struct stat st {};
    fstat(fd, &st);
    EXPECT_EQ(report->fd_field(fd, "ino"), st.st_ino);
  }
}

TEST_P(StdioOnPath, PipesizeResizesEveryPipeItCreates) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = Stdio::pipe();
  command.stdout_stream = Stdio::pipe();
  command.stderr_stream = Stdio::pipe();
  command.pipesize = 262144;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  command.args.push_back("--report=" + dir.file("probe.json"));
  auto process = spawn_core::spawn(command);
  for (int parent_end : {process.stdin_fd(), process.stdout_fd(), process.stderr_fd()})
    EXPECT_EQ(fcntl(parent_end, F_GETPIPE_SZ), 262144) << parent_end;
  process.communicate();
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  for (int fd : {0, 1, 2}) EXPECT_EQ(report->fd_field(fd, "pipe_size"), 262144) << fd;
}

TEST_P(StdioOnPath, RefusedPipesizeClosesThePipesItMade) {
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = Stdio::devnull();  // opened before the pipe, so it must be closed too
  command.stdout_stream = Stdio::pipe();
  command.pipesize = 2147483647;  // beyond any pipe the kernel will make, for root too
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const int fds_before = count_open_fds();
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "a 2 GiB pipe was accepted";
  } catch (const spawn_core::SpawnError& error) {
    EXPECT_NE(error.error_number(), 0);
    EXPECT_FALSE(error.filename());
  }
  EXPECT_EQ(count_open_fds(), fds_before);
  EXPECT_TRUE(no_children_left());
}

INSTANTIATE_TEST_SUITE_P(Paths, StdioOnPath, testing::ValuesIn(kAllPaths), path_name);

// The report accessors turn a missing fd or field into an ordinary failure
// that names it, where a dereference would have crashed the whole binary.
namespace {

Report report_with_std_fds_only() {
  return Report{nlohmann::json::parse(R"({"uid": 0, "signals": {"blocked": []},
      "fds": [{"fd": 0, "kind": "file"}, {"fd": 1, "kind": "pipe"}, {"fd": 2, "kind": "pipe"}]})")};
}

void read_fd_3() { EXPECT_TRUE(report_with_std_fds_only().fd_field(3, "kind").is_null()); }
void read_fd_1_inode() { EXPECT_TRUE(report_with_std_fds_only().fd_field(1, "ino").is_null()); }
void read_argv() { EXPECT_TRUE(report_with_std_fds_only().field("/argv/0").is_null()); }
void read_fds_of_empty_report() { EXPECT_TRUE(Report{nlohmann::json::object()}.fds().empty()); }
void read_ignored_signals() { EXPECT_TRUE(report_with_std_fds_only().names("ignored").empty()); }

}  // namespace

TEST(ProbeReport, MissingEntriesAreFailuresNamingThem) {
  EXPECT_NONFATAL_FAILURE(read_fd_3(), "fd 3 is not in the child's report (it has fds 0,1,2)");
  EXPECT_NONFATAL_FAILURE(read_fd_1_inode(), "fd 1 of the child's report has no \"ino\"");
  EXPECT_NONFATAL_FAILURE(read_argv(), "/argv/0 is not in the child's report");
  EXPECT_NONFATAL_FAILURE(read_fds_of_empty_report(), "the child's report has no \"fds\" list");
  EXPECT_NONFATAL_FAILURE(read_ignored_signals(), "/signals/ignored is not in the child's report");
}

TEST(ProbeReport, PresentEntriesReadWithoutFailures) {
  const Report report = report_with_std_fds_only();
  EXPECT_EQ(report.fd_field(1, "kind"), "pipe");
  EXPECT_EQ(report.field("/uid"), 0);
  EXPECT_EQ(report.fds(), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(report.names("blocked").empty());
  EXPECT_FALSE(report.has_fd(3));
}
