#include "outside_snapshot.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "fdconform_snapshot/snapshot.hpp"

namespace kit {
namespace {

namespace snap = fdconform_snapshot;

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The value after "Key:" in a /proc status or fdinfo text, or "" when absent.
std::string field_of(const std::string& text, const std::string& key) {
  const std::string wanted = key + ":";
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, wanted.size(), wanted) == 0) {
      size_t value = at + wanted.size();
      while (value < end && (text[value] == ' ' || text[value] == '\t')) ++value;
      return text.substr(value, end - value);
    }
    at = end + 1;
  }
  return {};
}

std::vector<long long> numbers_in(const std::string& text, int base = 10) {
  std::vector<long long> numbers;
  const char* at = text.c_str();
  for (;;) {
    char* end = nullptr;
    const long long value = std::strtoll(at, &end, base);
    if (end == at) break;
    numbers.push_back(value);
    at = end;
  }
  return numbers;
}

std::vector<int> signals_in_mask(const std::string& hex) {
  std::vector<int> signals;
  const unsigned long long mask = std::strtoull(hex.c_str(), nullptr, 16);
  for (int signo = 1; signo <= 64; ++signo)
    if (mask & (1ULL << (signo - 1))) signals.push_back(signo);
  return signals;
}

std::string link_target(const std::string& path) {
  char target[4096];
  const ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
  return n < 0 ? std::string() : std::string(target, static_cast<size_t>(n));
}

// F_GETPIPE_SZ needs an fd of our own on the same open file description:
// pidfd_getfd gives one without opening the pipe a second time (which would
// add a reader or writer). -1 when the kernel has no pidfd_getfd.
long long pipe_size_of(int pidfd, int fd) {
  if (pidfd < 0) return -1;
  const int copy = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  if (copy < 0) return -1;
  const long long size = fcntl(copy, F_GETPIPE_SZ);
  close(copy);
  return size;
}

bool read_fd_table(pid_t pid, std::vector<snap::FdEntry>& entries) {
  const std::string base = fmt::format("/proc/{}", pid);
  DIR* dir = opendir((base + "/fd").c_str());
  if (dir == nullptr) return false;
  std::vector<int> fds;
  while (const dirent* entry = readdir(dir))
    if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9') fds.push_back(std::atoi(entry->d_name));
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  for (const int fd : fds) {
    snap::FdEntry entry;
    entry.fd = fd;
    const std::string link = fmt::format("{}/fd/{}", base, fd);
    struct stat st{};
    if (stat(link.c_str(), &st) == 0) {
      entry.dev = st.st_dev;
      entry.ino = st.st_ino;
      entry.rdev = st.st_rdev;
    }
    entry.path = link_target(link);
    const std::string info = read_text(fmt::format("{}/fdinfo/{}", base, fd));
    if (info.empty()) continue;  // closed while listed: the process was not stopped
    // fdinfo's flags are the open file description's status flags with O_CLOEXEC
    // added for the fd's own close-on-exec flag, in octal.
    const int flags = static_cast<int>(std::strtol(field_of(info, "flags").c_str(), nullptr, 8));
    entry.cloexec = (flags & O_CLOEXEC) != 0;
    entry.kind = snap::fd_kind(st, entry.path);
    entry.access = snap::fd_access(flags & ~O_CLOEXEC);
    entry.flags = snap::fd_status_flags(flags & ~O_CLOEXEC);
    const std::string pos = field_of(info, "pos");
    entry.offset = pos.empty() ? -1 : std::strtoll(pos.c_str(), nullptr, 10);
    if (entry.kind == "pipe" || entry.kind == "fifo") entry.pipe_size = pipe_size_of(pidfd, fd);
    entries.push_back(std::move(entry));
  }
  if (pidfd >= 0) close(pidfd);
  snap::classify_open_file_descriptions(entries, pid);
  return true;
}

snap::ProcessState read_process_state(pid_t pid, const std::string& status) {
  snap::ProcessState state;
  state.pid = pid;
  state.ppid = static_cast<pid_t>(std::atoi(field_of(status, "PPid").c_str()));
  state.sid = getsid(pid);
  state.pgid = getpgid(pid);
  state.umask = static_cast<mode_t>(std::strtol(field_of(status, "Umask").c_str(), nullptr, 8));
  state.cwd = link_target(fmt::format("/proc/{}/cwd", pid));
  // The environment the runtime was started with: its adapter does not change it.
  const std::string environ = read_text(fmt::format("/proc/{}/environ", pid));
  for (size_t at = 0; at < environ.size();) {
    size_t end = environ.find('\0', at);
    if (end == std::string::npos) end = environ.size();
    state.env.push_back(environ.substr(at, end - at));
    at = end + 1;
  }
  const auto uids = numbers_in(field_of(status, "Uid"));
  const auto gids = numbers_in(field_of(status, "Gid"));
  if (uids.size() >= 3) state.uid = uids[0], state.euid = uids[1], state.suid = uids[2];
  if (gids.size() >= 3) state.gid = gids[0], state.egid = gids[1], state.sgid = gids[2];
  for (long long group : numbers_in(field_of(status, "Groups"))) state.groups.push_back(static_cast<gid_t>(group));
  struct rlimit nofile {};
  if (prlimit(pid, RLIMIT_NOFILE, nullptr, &nofile) == 0) {
    state.nofile_soft = nofile.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long long>(nofile.rlim_cur);
    state.nofile_hard = nofile.rlim_max == RLIM_INFINITY ? -1 : static_cast<long long>(nofile.rlim_max);
  }
  state.sched_policy = sched_getscheduler(pid);
  struct sched_param param {};
  if (sched_getparam(pid, &param) == 0) state.sched_priority = param.sched_priority;
  return state;
}

char state_letter(pid_t pid) {
  const std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) return '\0';
  return stat[close_paren + 2];
}

bool read_children(pid_t pid, std::vector<snap::Child>& children) {
  DIR* tasks = opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (tasks == nullptr) return false;
  while (const dirent* task = readdir(tasks)) {
    if (task->d_name[0] < '0' || task->d_name[0] > '9') continue;
    for (long long child : numbers_in(read_text(fmt::format("/proc/{}/task/{}/children", pid, task->d_name))))
      if (const char letter = state_letter(static_cast<pid_t>(child))) children.push_back({static_cast<pid_t>(child), letter});
  }
  closedir(tasks);
  std::sort(children.begin(), children.end(), [](const snap::Child& a, const snap::Child& b) { return a.pid < b.pid; });
  return true;
}

}  // namespace

Json take_outside_snapshot(pid_t pid, pid_t spawning_thread) {
  snap::Snapshot snapshot;
  const std::string status = read_text(fmt::format("/proc/{}/status", pid));
  if (status.empty()) throw std::system_error(ESRCH, std::generic_category(), fmt::format("cannot read /proc/{}/status", pid));
  snapshot.process = read_process_state(pid, status);
  // Dispositions are the process's; the mask belongs to each thread, and the one that spawns is what a child inherits.
  snapshot.signals.ignored = signals_in_mask(field_of(status, "SigIgn"));
  snapshot.signals.caught = signals_in_mask(field_of(status, "SigCgt"));
  snapshot.signals.blocked =
      signals_in_mask(field_of(read_text(fmt::format("/proc/{}/task/{}/status", pid, spawning_thread)), "SigBlk"));
  if (!read_fd_table(pid, snapshot.fds))
    throw std::system_error(errno, std::generic_category(), fmt::format("cannot list /proc/{}/fd for a parent snapshot", pid));
  if (!read_children(pid, snapshot.children))
    throw std::system_error(errno, std::generic_category(), fmt::format("cannot list /proc/{}/task for a parent snapshot", pid));
  return Json::parse(snap::to_json(snapshot, snap::Shape::parent));
}

}  // namespace kit
