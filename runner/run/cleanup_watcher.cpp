#include "run/cleanup_watcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

namespace fdconform {
namespace {

// Records on the pipe end with a NUL (a path may hold a newline): "D<path>" is the run directory,
// "E" the goodbye.
constexpr char directory_record = 'D';
constexpr char goodbye_record = 'E';

bool inside(const std::string& link, const std::string& directory) {
  return link == directory || (link.size() > directory.size() && link.compare(0, directory.size(), directory) == 0 &&
                               link[directory.size()] == '/');
}

std::string read_link(const std::string& path) {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

bool tied_to(const std::string& proc, const std::string& directory) {
  if (inside(read_link(proc + "/cwd"), directory) || inside(read_link(proc + "/root"), directory)) return true;
  // A probe's argv carries --report=<cell dir>/probe.json, which outlives a chdir away from the cell.
  if (int fd = ::open((proc + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    std::string cmdline;
    char buffer[4096];
    ssize_t n = 0;
    while (cmdline.size() < 65536 && (n = ::read(fd, buffer, sizeof buffer)) > 0)
      cmdline.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(directory + "/") != std::string::npos) return true;
  }
  bool found = false;
  if (DIR* fds = ::opendir((proc + "/fd").c_str())) {
    while (const dirent* entry = ::readdir(fds)) {
      if (entry->d_name[0] == '.') continue;
      if (inside(read_link(proc + "/fd/" + entry->d_name), directory)) {
        found = true;
        break;
      }
    }
    ::closedir(fds);
  }
  return found;
}

[[noreturn]] void watch(int fd) {
  std::string buffer, directory;
  bool goodbye = false;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t end;
    while ((end = buffer.find('\0')) != std::string::npos) {
      std::string record = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      if (!record.empty() && record[0] == directory_record) directory = record.substr(1);
      if (!record.empty() && record[0] == goodbye_record) goodbye = true;
    }
  }
  if (!goodbye && !directory.empty()) {
    kill_processes_inside(directory, 5000);
    std::error_code ec;
    std::filesystem::remove_all(directory, ec);
    kill_processes_inside(directory, 200);  // anything that slipped in while the tree was removed
    std::filesystem::remove_all(directory, ec);
  }
  ::_exit(0);
}

void close_all_but(int keep) {
#ifdef SYS_close_range
  if (keep > 3 && ::syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U) == 0 &&
      ::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U) == 0)
    return;
#endif
  for (int fd = 3; fd < 65536; ++fd)
    if (fd != keep) ::close(fd);
}

}  // namespace

int kill_processes_inside(const std::string& given, int limit_ms) {
  // /proc shows resolved paths; compare with the directory's own.
  std::error_code ec;
  auto resolved = std::filesystem::canonical(given, ec);
  const std::string directory = ec ? given : resolved.string();
  const pid_t self = ::getpid();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  int kills = 0;
  for (;;) {
    int found = 0;
    if (DIR* proc = ::opendir("/proc")) {
      while (const dirent* entry = ::readdir(proc)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid == self) continue;
        if (!tied_to(std::string("/proc/") + entry->d_name, directory)) continue;
        if (::kill(pid, SIGKILL) == 0) ++found, ++kills;
      }
      ::closedir(proc);
    }
    if (found == 0 || std::chrono::steady_clock::now() >= deadline) return kills;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string CleanupWatcher::start(const std::string& directory) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return std::string("fork: ") + std::strerror(error);
  }
  if (pid == 0) {
    ::close(fds[1]);
    ::setpgid(0, 0);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    for (int signo : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
      ::sigaction(signo, &ignore, nullptr);
    // Nothing of the runner's may be held open here: a test or CI step reading the runner's stdout to
    // EOF would otherwise wait for the watcher too, and a driver would never see EOF on its stdin. The
    // cwd goes as well, so no mount is kept busy.
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; ++fd) ::dup2(null, fd);
    close_all_but(fds[0]);
    [[maybe_unused]] int rc = ::chdir("/");
    watch(fds[0]);
  }
  ::close(fds[0]);
  pid_ = pid;
  fd_ = fds[1];
  // Writes never block the runner: a full pipe (a watcher that is stuck) only costs the safety net.
  ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  std::string record = std::string(1, directory_record) + directory + '\0';
  [[maybe_unused]] auto n = ::write(fd_, record.data(), record.size());
  return {};
}

CleanupWatcher::~CleanupWatcher() { finish(); }

void CleanupWatcher::finish() {
  if (fd_ >= 0) {
    char record[2] = {goodbye_record, '\0'};
    [[maybe_unused]] auto n = ::write(fd_, record, sizeof record);
    ::close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) {
    // It exits as soon as it reads the goodbye; a bounded wait all the same.
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 400 && done == 0; ++i) {
      done = ::waitpid(pid_, &status, WNOHANG);
      if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (done == 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }
}

}  // namespace fdconform
