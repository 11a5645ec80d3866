// close_fds, pass_fds and each close strategy, observed as the child's fd set.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::CloseStrategy;
using spawn_core::Command;
using spawn_core::SpawnPath;

namespace {

// An inheritable fd at a fixed number, closed on destruction.
class InheritableFd {
 public:
  explicit InheritableFd(int number, bool inheritable = true) : number_(number) {
    const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd == number) {
      fcntl(fd, F_SETFD, inheritable ? 0 : FD_CLOEXEC);  // dup3 onto itself is EINVAL
    } else {
      dup3(fd, number, inheritable ? 0 : O_CLOEXEC);
      close(fd);
    }
  }
  ~InheritableFd() { close(number_); }
  int number() const { return number_; }

 private:
  int number_;
};

std::vector<int> high_fds(const Report& report) {
  std::vector<int> result;
  for (int fd : report.fds()) {
    if (fd >= 3) result.push_back(fd);
  }
  return result;
}

}  // namespace

struct CloseCase {
  SpawnPath path;
  CloseStrategy strategy;
};

class CloseFds : public testing::TestWithParam<CloseCase> {};

TEST_P(CloseFds, InheritableFdsAreClosedExceptPassFds) {
  InheritableFd stray(40), passed(41), adjacent(42), far(300);
  InheritableFd non_inheritable(43, false);
  TempDir dir;
  Command command = probe_command(dir);
  command.close_strategy = GetParam().strategy;
  command.pass_fds = {41, 42, 43};
  SKIP_UNLESS_ELIGIBLE(command, GetParam().path);
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(high_fds(*report), (std::vector<int>{41, 42, 43}));
  // pass_fds are made inheritable in the child only.
  EXPECT_TRUE(fcntl(43, F_GETFD) & FD_CLOEXEC);
}

TEST_P(CloseFds, PassFdThreeAdjacentToTheStart) {
  InheritableFd three(3), four(4), stray(9);
  TempDir dir;
  Command command = probe_command(dir);
  command.close_strategy = GetParam().strategy;
  command.pass_fds = {3, 4};
  SKIP_UNLESS_ELIGIBLE(command, GetParam().path);
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(high_fds(*report), (std::vector<int>{3, 4}));
}

// X11: an fd opened before the soft RLIMIT_NOFILE was lowered below it.
// close_range and the /proc walk find it; brute force only loops up to the
// soft limit, so it is the one strategy that leaves it open, which is why
// the automatic strategy must never fall back to it while the others work.
TEST_P(CloseFds, FdAboveALoweredSoftLimit) {
  InheritableFd above(300);
  TempDir dir;
  Command command = probe_command(dir);
  command.close_strategy = GetParam().strategy;
  SKIP_UNLESS_ELIGIBLE(command, GetParam().path);
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  struct rlimit lowered = saved;
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  auto report = run_probe(command, dir);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(report);
  if (GetParam().strategy == CloseStrategy::brute_force)
    EXPECT_TRUE(report->has_fd(300));  // (fds below 64 that the test process inherited are closed)
  else
    EXPECT_TRUE(high_fds(*report).empty());
}

std::string close_case_name(const testing::TestParamInfo<CloseCase>& info) {
  return std::string(spawn_core::to_string(info.param.path)) + "_" + spawn_core::to_string(info.param.strategy);
}

INSTANTIATE_TEST_SUITE_P(
    Strategies, CloseFds,
    testing::Values(CloseCase{SpawnPath::fork, CloseStrategy::automatic}, CloseCase{SpawnPath::fork, CloseStrategy::close_range},
                    CloseCase{SpawnPath::fork, CloseStrategy::proc_self_fd}, CloseCase{SpawnPath::fork, CloseStrategy::brute_force},
                    CloseCase{SpawnPath::vfork, CloseStrategy::automatic}, CloseCase{SpawnPath::vfork, CloseStrategy::close_range},
                    CloseCase{SpawnPath::vfork, CloseStrategy::proc_self_fd}, CloseCase{SpawnPath::vfork, CloseStrategy::brute_force}),
    close_case_name);

class CloseFdsOnPath : public testing::TestWithParam<SpawnPath> {};

TEST_P(CloseFdsOnPath, DefaultClosesInheritableFds) {
  InheritableFd stray(40);
  TempDir dir;
  Command command = probe_command(dir);
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_TRUE(high_fds(*report).empty());
}

TEST_P(CloseFdsOnPath, CloseFdsFalseKeepsInheritableAndDropsCloexec) {
  InheritableFd stray(40), hidden(44, false);
  TempDir dir;
  Command command = probe_command(dir);
  command.close_fds = false;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->has_fd(40));
  EXPECT_FALSE(report->has_fd(44));
}

TEST_P(CloseFdsOnPath, PassFdsForceCloseFds) {
  InheritableFd stray(40), passed(41);
  TempDir dir;
  Command command = probe_command(dir);
  command.close_fds = false;
  command.pass_fds = {41};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(high_fds(*report), std::vector<int>{41});
}

TEST_P(CloseFdsOnPath, RedirectSourceInPassFdsStaysOpenToo) {
  InheritableFd source(45, false);
  TempDir dir;
  Command command = probe_command(dir);
  command.stdin_stream = spawn_core::Stdio::from_fd(45);
  command.pass_fds = {45};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(high_fds(*report), std::vector<int>{45});
  EXPECT_EQ(report->fd_field(0, "ino"), report->fd_field(45, "ino"));
}

INSTANTIATE_TEST_SUITE_P(Paths, CloseFdsOnPath, testing::ValuesIn(kAllPaths), path_name);
