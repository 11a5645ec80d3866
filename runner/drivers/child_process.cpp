#include "drivers/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "fdconform_common/signal_names.hpp"

namespace fdconform {
namespace {

constexpr const char* driver_path_variable = "/usr/local/bin:/usr/bin:/bin";

void close_if_open(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::vector<std::string> driver_environment() {
  return {std::string("PATH=") + driver_path_variable, "LANG=C"};
}

std::optional<std::string> resolve_executable(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  return find_in_directories(name, driver_path_variable);
}

std::optional<std::string> find_in_directories(const std::string& name, const std::string& dirs) {
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<SpawnedChild> spawn_with_pipes(const std::vector<std::string>& argv, std::string& error) {
  if (argv.empty()) {
    error = "empty argv";
    return std::nullopt;
  }
  auto executable = resolve_executable(argv[0]);
  if (!executable) {
    error = fmt::format("executable not found: {}", argv[0]);
    return std::nullopt;
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    error = fmt::format("pipe2: {}", std::strerror(errno));
    for (int* p : {in, out, err}) close_if_open(p[0]), close_if_open(p[1]);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);  // the runner ignores SIGPIPE; drivers start from defaults
  posix_spawnattr_setpgroup(&attr, 0);          // own group: a timeout kills the driver and everything it forked
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto env_strings = driver_environment();
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, executable->c_str(), &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    error = fmt::format("cannot start {}: {}", *executable, std::strerror(rc));
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    return std::nullopt;
  }
  return SpawnedChild{pid, in[1], out[0], err[0]};
}

void kill_and_reap(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", fdconform_common::signal_name(WTERMSIG(status)));
  return fmt::format("ended with wait status {}", status);
}

CapturedRun run_and_capture(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  CapturedRun run;
  auto child = spawn_with_pipes(argv, run.error);
  if (!child) return run;
  ::close(child->stdin_fd);
  auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[4096];
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.error = fmt::format("{} did not answer within {} ms", argv[0], limit.count());
      ::close(child->stdout_fd);
      ::close(child->stderr_fd);
      kill_and_reap(child->pid);
      return run;
    }
    pollfd fds[2] = {{out_open ? child->stdout_fd : -1, POLLIN, 0}, {err_open ? child->stderr_fd : -1, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    if (out_open && fds[0].revents) {
      ssize_t n = ::read(child->stdout_fd, buffer, sizeof buffer);
      if (n > 0 && run.out.size() < 65536) run.out.append(buffer, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR)) out_open = false;
    }
    if (err_open && fds[1].revents) {
      ssize_t n = ::read(child->stderr_fd, buffer, sizeof buffer);
      if (n == 0 || (n < 0 && errno != EINTR)) err_open = false;
    }
  }
  ::close(child->stdout_fd);
  ::close(child->stderr_fd);
  int status = 0;
  while (::waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!run.ok) run.error = fmt::format("{} {}", argv[0], describe_wait_status(status));
  return run;
}

}  // namespace fdconform
