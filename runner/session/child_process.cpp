#include "session/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <sys/prctl.h>
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

std::optional<SpawnedChild> spawn_with_pipes(const std::vector<std::string>& argv, std::string& error,
                                             const std::vector<std::string>& environment) {
  if (argv.empty()) {
    error = "empty argv";
    return std::nullopt;
  }
  auto executable = resolve_executable(argv[0]);
  if (!executable) {
    error = fmt::format("executable not found: {}", argv[0]);
    return std::nullopt;
  }
  // Everything the child needs is built before fork: between fork and exec it may only make system calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = environment;
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, exec_error[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(exec_error, O_CLOEXEC) != 0) {
    error = fmt::format("pipe2: {}", std::strerror(errno));
    for (int* p : {in, out, err, exec_error}) close_if_open(p[0]), close_if_open(p[1]);
    return std::nullopt;
  }

  // fork, not posix_spawn: the child must ask for PR_SET_PDEATHSIG before exec, so that a runner killed
  // by SIGKILL takes its drivers with it instead of leaving them to run until their scenario times out.
  // Signals stay blocked across fork so no runner handler (which writes the interrupt pipe) runs in the
  // child before its dispositions are back to default.
  const pid_t runner = ::getpid();
  sigset_t all, saved;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid_t pid = ::fork();
  if (pid == 0) {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signo = 1; signo < NSIG; ++signo) ::sigaction(signo, &default_action, nullptr);
    // The death signal is tied to the thread that forked: every session is stopped by the thread that
    // started it (the main thread, or a worker before it returns), so it never fires early.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != runner) ::_exit(127);  // the runner died before the line above took effect
    ::setpgid(0, 0);                         // own group: a timeout kills the driver and everything it forked
    int wanted[3] = {in[0], out[1], err[1]};
    for (int fd = 0; fd < 3; ++fd) {
      if (wanted[fd] == fd) ::fcntl(fd, F_SETFD, 0);  // dup2 onto itself would leave it close-on-exec
      else if (::dup2(wanted[fd], fd) < 0) break;
    }
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::execve(executable->c_str(), args.data(), env.data());
    int code = errno;
    [[maybe_unused]] auto n = ::write(exec_error[1], &code, sizeof code);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid > 0) ::setpgid(pid, pid);  // also here, so the group exists before anyone signals it
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(exec_error[1]);
  int child_errno = 0;
  if (pid > 0) {
    // EOF (exec closed the close-on-exec pipe) means the program runs; otherwise the child sends errno.
    ssize_t got = 0;
    while ((got = ::read(exec_error[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    if (got != static_cast<ssize_t>(sizeof child_errno)) child_errno = 0;
  }
  ::close(exec_error[0]);
  if (pid < 0 || child_errno != 0) {
    error = fmt::format("cannot start {}: {}", *executable, std::strerror(pid < 0 ? fork_errno : child_errno));
    if (pid > 0) {
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
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

CapturedRun run_and_capture(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                            const std::vector<std::string>& environment) {
  CapturedRun run;
  auto child = spawn_with_pipes(argv, run.error, environment);
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
      if (n > 0 && run.err.size() < 65536) run.err.append(buffer, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR)) err_open = false;
    }
  }
  ::close(child->stdout_fd);
  ::close(child->stderr_fd);
  int status = 0;
  while (::waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  while (!run.err.empty() && (run.err.back() == '\n' || run.err.back() == '\r')) run.err.pop_back();
  run.err = run.err.substr(run.err.rfind('\n') + 1);
  if (!run.ok) run.error = fmt::format("{} {}", argv[0], describe_wait_status(status));
  return run;
}

}  // namespace fdconform
