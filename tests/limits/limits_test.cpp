// Resource limits (issue 7): when the process limit (RLIMIT_NPROC) or the fd
// limit (RLIMIT_NOFILE) is exhausted, spawn_core raises a typed SpawnError
// with the errno CPython would report (EAGAIN -> BlockingIOError, EMFILE ->
// OSError), on every SpawnPath, and leaves no fd and no child behind; once
// the limit is lifted the next spawn works.
//
// Each case runs in a forked process of its own (limits, the uid and filled
// fd tables must not reach the other tests) and sends back a failure text
// through a pipe; an empty text is a pass.
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "spawn_core/spawn_core.hpp"

namespace {

using spawn_core::SpawnPath;

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

// The open fds, found without opening anything (the table may be full):
// F_GETFD on every number below the soft limit. fd -> (dev, ino).
std::map<int, std::pair<dev_t, ino_t>> open_fds() {
  std::map<int, std::pair<dev_t, ino_t>> fds;
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  const int top = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 65536 ? 65536 : static_cast<int>(limit.rlim_cur);
  for (int fd = 0; fd < top; ++fd) {
    if (fcntl(fd, F_GETFD) == -1) continue;
    struct stat st {};
    fstat(fd, &st);
    fds[fd] = {st.st_dev, st.st_ino};
  }
  return fds;
}

std::string no_children_left() {
  int status = 0;
  const pid_t pid = waitpid(-1, &status, WNOHANG);
  if (pid == -1 && errno == ECHILD) return "";
  return "a child was left behind (waitpid(-1, WNOHANG) returned " + std::to_string(pid) + ")";
}

// Runs `body` in a forked process and returns its failure text ("" = pass).
std::string in_child_process(const std::function<std::string()>& body) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  const pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    close(ends[0]);
    std::string result;
    try {
      result = body();
    } catch (const std::exception& error) {
      result = std::string("unexpected exception: ") + error.what();
    }
    if (result.empty()) result = "ok";
    const ssize_t ignored = write(ends[1], result.data(), result.size());
    (void)ignored;
    _exit(0);
  }
  close(ends[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(ends[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
  }
  close(ends[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "test process ended abnormally (wait status " + std::to_string(status) + "): " + text;
  }
  return text == "ok" ? "" : text;
}

spawn_core::Command true_command(SpawnPath path, bool with_pipes) {
  spawn_core::Command command;
  command.args = {"/bin/true"};
  command.path = path;
  if (with_pipes) {
    command.stdin_stream = spawn_core::Stdio::pipe();
    command.stdout_stream = spawn_core::Stdio::pipe();
  }
  return command;
}

// Spawns `command` expecting a SpawnError with `expected_errno` and
// `expected_type`; checks that the fd table and the child list are unchanged.
std::string expect_spawn_error(const spawn_core::Command& command, int expected_errno, const std::string& expected_type) {
  const auto before = open_fds();
  std::string failure;
  try {
    spawn_core::Process process = spawn_core::spawn(command);
    process.wait();
    failure = std::string("spawn on ") + spawn_core::to_string(command.path) + " succeeded; expected errno " +
              std::to_string(expected_errno);
  } catch (const spawn_core::SpawnError& error) {
    if (error.error_number() != expected_errno || error.python_type() != expected_type) {
      failure = std::string("spawn on ") + spawn_core::to_string(command.path) + " raised " + error.python_type() +
                " errno " + std::to_string(error.error_number()) + " (" + error.what() + "); expected " + expected_type +
                " errno " + std::to_string(expected_errno);
    }
  }
  if (open_fds() != before) failure += " | fds changed across the failed spawn";
  failure += no_children_left();
  return failure;
}

std::string expect_spawn_ok(const spawn_core::Command& command) {
  const auto before = open_fds();
  std::string failure;
  try {
    spawn_core::Process process = spawn_core::spawn(command);
    process.close_stdin();
    const int status = process.communicate().stdout_data.empty() ? process.returncode().value_or(-1) : -2;
    if (status != 0) failure = "/bin/true returned " + std::to_string(status);
  } catch (const spawn_core::SpawnError& error) {
    failure = std::string("spawn on ") + spawn_core::to_string(command.path) + " failed: " + error.what();
  }
  if (open_fds() != before) failure += " | fds changed across the spawn";
  failure += no_children_left();
  return failure;
}

class Limits : public ::testing::TestWithParam<SpawnPath> {};

// As root RLIMIT_NPROC is ignored, so the test process becomes nobody with a
// soft limit of one process (itself): every fork/vfork/clone fails EAGAIN.
TEST_P(Limits, ProcessLimitGivesEagainAndLeaksNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to nobody (root itself ignores RLIMIT_NPROC)";
  const SpawnPath path = GetParam();
  const std::string failure = in_child_process([path]() -> std::string {
    rlimit limit{};
    getrlimit(RLIMIT_NPROC, &limit);  // the hard limit stays (a container may forbid raising it)
    limit.rlim_cur = 1;
    if (setrlimit(RLIMIT_NPROC, &limit) != 0) return std::string("setrlimit: ") + std::strerror(errno);
    if (setgroups(0, nullptr) != 0 || setgid(kNogroup) != 0 || setuid(kNobody) != 0) {
      return std::string("cannot become nobody: ") + std::strerror(errno);
    }
    std::string failures;
    for (const bool pipes : {false, true}) {
      const std::string result = expect_spawn_error(true_command(path, pipes), EAGAIN, "BlockingIOError");
      if (!result.empty()) failures += (pipes ? "[with pipes] " : "[no pipes] ") + result + "\n";
    }
    // Lifted to the unchanged hard limit: spawning works again.
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NPROC, &limit) != 0) return std::string("setrlimit back: ") + std::strerror(errno);
    const std::string after = expect_spawn_ok(true_command(path, true));
    if (!after.empty()) failures += "[after lifting the limit] " + after + "\n";
    return failures;
  });
  EXPECT_EQ(failure, "");
}

// Every fd below RLIMIT_NOFILE in use except `free_fds`. A spawn that needs
// more fds than are free (2 per pipe; fork/vfork also need the error pipe)
// fails with EMFILE and returns what it took; one that fits succeeds.
TEST_P(Limits, FdLimitGivesEmfileAndLeaksNothing) {
  const SpawnPath path = GetParam();
  const std::string failure = in_child_process([path]() -> std::string {
    rlimit limit{64, 64};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return std::string("setrlimit: ") + std::strerror(errno);
    std::vector<int> fillers;
    while (true) {
      const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        if (errno != EMFILE) return std::string("filling the fd table: ") + std::strerror(errno);
        break;
      }
      fillers.push_back(fd);
    }
    // posix_spawn makes no fd of its own in the parent; fork and vfork add the error pipe.
    const SpawnPath effective = path == SpawnPath::automatic ? SpawnPath::posix_spawn : path;
    std::string failures;
    for (const bool pipes : {false, true}) {
      const int needed = (pipes ? 4 : 0) + (effective == SpawnPath::posix_spawn ? 0 : 2);
      for (int free_fds = 0; free_fds <= needed; ++free_fds) {
        std::vector<int> released;
        for (int i = 0; i < free_fds; ++i) {
          released.push_back(fillers.back());
          close(fillers.back());
          fillers.pop_back();
        }
        const spawn_core::Command command = true_command(path, pipes);
        const std::string result =
            free_fds >= needed ? expect_spawn_ok(command) : expect_spawn_error(command, EMFILE, "OSError");
        if (!result.empty()) {
          failures += std::string(pipes ? "[stdin+stdout pipes, " : "[no pipes, ") + std::to_string(free_fds) +
                      " free fds] " + result + "\n";
        }
        for (size_t i = 0; i < released.size(); ++i) {
          const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
          if (fd < 0) return failures + "cannot refill the fd table: " + std::strerror(errno);
          fillers.push_back(fd);
        }
      }
    }
    for (int fd : fillers) close(fd);
    return failures;
  });
  EXPECT_EQ(failure, "");
}

INSTANTIATE_TEST_SUITE_P(Paths, Limits,
                         ::testing::Values(SpawnPath::automatic, SpawnPath::fork, SpawnPath::vfork,
                                           SpawnPath::posix_spawn),
                         [](const ::testing::TestParamInfo<SpawnPath>& info) {
                           return std::string(spawn_core::to_string(info.param));
                         });

}  // namespace
