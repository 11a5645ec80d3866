#include "parent_snapshot.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "fdconform_common/signal_names.hpp"

extern char** environ;

namespace driver {
namespace {

// A snapshot opens a few fds (/proc/self/fd, /proc/self/status). A scenario
// parent may sit at its soft RLIMIT_NOFILE (on purpose, or because a failed
// spawn leaked fds), so the soft limit is raised to the hard one while the
// snapshot is taken and put back after: the snapshot must see that parent,
// not fail on it (or, worse, read an empty table).
class DescriptorRoom {
 public:
  DescriptorRoom() {
    if (getrlimit(RLIMIT_NOFILE, &saved_) == 0 && saved_.rlim_cur < saved_.rlim_max) {
      struct rlimit raised = saved_;
      raised.rlim_cur = saved_.rlim_max;
      raised_ = setrlimit(RLIMIT_NOFILE, &raised) == 0;
    }
  }
  ~DescriptorRoom() {
    if (raised_) setrlimit(RLIMIT_NOFILE, &saved_);
  }
  DescriptorRoom(const DescriptorRoom&) = delete;
  DescriptorRoom& operator=(const DescriptorRoom&) = delete;

 private:
  struct rlimit saved_ {};
  bool raised_ = false;
};

std::vector<int> open_fds(int hidden_fd) {
  std::vector<int> fds;
  DIR* dir = opendir("/proc/self/fd");  // close-on-exec, and left out below
  // An empty list would read as "the parent closed everything": fail instead.
  if (!dir) throw std::system_error(errno, std::generic_category(), "cannot list /proc/self/fd for a parent snapshot");
  const int own = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int fd = std::atoi(entry->d_name);
    if (fd != own && fd != hidden_fd) fds.push_back(fd);
  }
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  return fds;
}

std::string link_of(int fd) {
  char buffer[PATH_MAX];
  ssize_t n = readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), buffer, sizeof buffer);
  return n < 0 ? std::string() : std::string(buffer, static_cast<size_t>(n));
}

long long offset_of(int fd) {
  std::ifstream info(fmt::format("/proc/self/fdinfo/{}", fd));
  std::string key;
  long long value = 0;
  while (info >> key >> value)
    if (key == "pos:") return value;
  return 0;
}

std::string kind_of(const struct stat& st, const std::string& link) {
  if (S_ISREG(st.st_mode)) return link.starts_with("/memfd:") ? "memfd" : "file";
  if (S_ISDIR(st.st_mode)) return "dir";
  if (S_ISFIFO(st.st_mode)) return link.starts_with("pipe:") ? "pipe" : "fifo";
  if (S_ISSOCK(st.st_mode)) return "socket";
  if (S_ISCHR(st.st_mode)) return "chr";
  if (S_ISBLK(st.st_mode)) return "blk";
  if (link == "anon_inode:[eventfd]") return "eventfd";
  if (link == "anon_inode:[eventpoll]") return "epoll";
  if (link == "anon_inode:[signalfd]") return "signalfd";
  if (link == "anon_inode:[timerfd]") return "timerfd";
  if (link == "anon_inode:[pidfd]") return "pidfd";
  if (link == "anon_inode:inotify") return "inotify";
  if (link.starts_with("anon_inode:")) return "anon";
  return "unknown";
}

std::string access_of(int status_flags) {
#ifdef O_PATH
  if (status_flags & O_PATH) return "path";
#endif
  switch (status_flags & O_ACCMODE) {
    case O_RDONLY: return "rdonly";
    case O_WRONLY: return "wronly";
    default: return "rdwr";
  }
}

Json flags_of(int status_flags) {
  Json flags = Json::array();
  if (status_flags & O_APPEND) flags.push_back("append");
  if (status_flags & O_NONBLOCK) flags.push_back("nonblock");
  // O_SYNC includes the O_DSYNC bit; report the stronger one only.
  if ((status_flags & O_SYNC) == O_SYNC) flags.push_back("sync");
  else if (status_flags & O_DSYNC) flags.push_back("dsync");
  if (status_flags & O_DIRECT) flags.push_back("direct");
  if (status_flags & O_NOATIME) flags.push_back("noatime");
  return flags;
}

bool same_open_file(int a, int b) {
  pid_t self = getpid();
  return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

// The lines of /proc/self/status a snapshot reads (the signal masks and the umask), in one read:
// it is the snapshot's one file of the kind, and reading it once per line asked cost four opens.
struct ProcessStatus {
  unsigned long long ignored = 0, caught = 0, blocked = 0;
  std::optional<unsigned long> umask;  // no Umask line before Linux 4.7
};

ProcessStatus read_process_status() {
  ProcessStatus out;
  std::ifstream status("/proc/self/status");
  std::string line;
  auto value = [&](const char* key) { return line.c_str() + std::strlen(key); };
  while (std::getline(status, line)) {
    if (line.starts_with("SigIgn:")) out.ignored = std::strtoull(value("SigIgn:"), nullptr, 16);
    else if (line.starts_with("SigCgt:")) out.caught = std::strtoull(value("SigCgt:"), nullptr, 16);
    else if (line.starts_with("SigBlk:")) out.blocked = std::strtoull(value("SigBlk:"), nullptr, 16);
    else if (line.starts_with("Umask:")) out.umask = std::strtoul(value("Umask:"), nullptr, 8);
  }
  return out;
}

Json signal_names_in(unsigned long long mask) {
  Json names = Json::array();
  for (int signo = 1; signo <= SIGRTMAX && signo <= 64; ++signo)
    if (mask & (1ULL << (signo - 1))) names.push_back(fdconform_common::signal_name(signo));
  return names;
}

std::string umask_text(const ProcessStatus& status) {
  if (status.umask) return fmt::format("{:03o}", *status.umask);
  mode_t mask = umask(0);  // no Umask line (kernel < 4.7): read it the old way, and put it back
  umask(mask);
  return fmt::format("{:03o}", mask);
}

Json take_fd_snapshot(int hidden_fd) {
  Json fds = Json::array();
  std::vector<int> class_representatives;  // one fd per open file description seen so far
  for (int fd : open_fds(hidden_fd)) {
    struct stat st {};
    if (fstat(fd, &st) != 0) continue;
    int status_flags = fcntl(fd, F_GETFL);
    int fd_flags = fcntl(fd, F_GETFD);
    std::string link = link_of(fd);
    std::string kind = kind_of(st, link);
    size_t ofd = class_representatives.size();
    for (size_t i = 0; i < class_representatives.size(); ++i)
      if (same_open_file(class_representatives[i], fd)) { ofd = i; break; }
    if (ofd == class_representatives.size()) class_representatives.push_back(fd);
    Json entry{{"fd", fd},
                       {"kind", kind},
                       {"access", access_of(status_flags)},
                       {"flags", flags_of(status_flags)},
                       {"cloexec", (fd_flags & FD_CLOEXEC) != 0},
                       {"offset", offset_of(fd)},
                       {"dev", static_cast<unsigned long long>(st.st_dev)},
                       {"ino", static_cast<unsigned long long>(st.st_ino)},
                       {"rdev", (kind == "chr" || kind == "blk") ? static_cast<unsigned long long>(st.st_rdev) : 0ULL},
                       {"path", link},
                       {"ofd", ofd}};
    if (kind == "pipe" || kind == "fifo") entry["pipe_size"] = fcntl(fd, F_GETPIPE_SZ);
    fds.push_back(std::move(entry));
  }
  return fds;
}

// The children this process has not reaped yet, zombies included, from each
// thread's /proc/self/task/TID/children.
Json children_of_self() {
  std::vector<std::pair<long, std::string>> children;
  DIR* tasks = opendir("/proc/self/task");
  if (!tasks) throw std::system_error(errno, std::generic_category(), "cannot list /proc/self/task for a parent snapshot");
  while (dirent* task = readdir(tasks)) {
    if (task->d_name[0] < '0' || task->d_name[0] > '9') continue;
    std::ifstream listing(std::string("/proc/self/task/") + task->d_name + "/children");
    long pid = 0;
    while (listing >> pid) {
      std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
      std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
      auto close_paren = stat.rfind(')');
      if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) continue;  // already gone
      children.emplace_back(pid, std::string(1, stat[close_paren + 2]));
    }
  }
  closedir(tasks);
  std::sort(children.begin(), children.end());
  Json out = Json::array();
  for (const auto& [pid, state] : children) out.push_back(Json{{"pid", pid}, {"state", state}});
  return out;
}

}  // namespace

Json take_parent_snapshot(int hidden_fd) {
  struct rlimit nofile {};
  getrlimit(RLIMIT_NOFILE, &nofile);  // before the room changes the soft limit
  DescriptorRoom room;
  uid_t uid, euid, suid;
  gid_t gid, egid, sgid;
  getresuid(&uid, &euid, &suid);
  getresgid(&gid, &egid, &sgid);
  std::vector<gid_t> groups(static_cast<size_t>(std::max(getgroups(0, nullptr), 0)));
  int count = groups.empty() ? 0 : getgroups(static_cast<int>(groups.size()), groups.data());
  groups.resize(static_cast<size_t>(std::max(count, 0)));
  Json group_list = Json::array();
  for (gid_t g : groups) group_list.push_back(g);

  Json env = Json::array();
  for (char** entry = environ; entry && *entry; ++entry) env.push_back(*entry);

  char cwd[PATH_MAX];
  const char* cwd_text = getcwd(cwd, sizeof cwd);
  const ProcessStatus status = read_process_status();

  Json snapshot{{"pid", getpid()},  {"ppid", getppid()}, {"sid", getsid(0)},   {"pgid", getpgrp()},
                {"cwd", cwd_text ? std::string(cwd_text) : std::string()},
                {"umask", umask_text(status)},
                {"env", env},
                {"uid", uid},        {"euid", euid},       {"suid", suid},       {"gid", gid},
                {"egid", egid},      {"sgid", sgid},       {"groups", group_list}};
  snapshot["signals"] = Json{{"ignored", signal_names_in(status.ignored)},
                             {"caught", signal_names_in(status.caught)},
                             {"blocked", signal_names_in(status.blocked)}};
  auto limit = [](rlim_t value) { return value == RLIM_INFINITY ? Json(nullptr) : Json(static_cast<long long>(value)); };
  snapshot["rlimit_nofile"] = Json{{"soft", limit(nofile.rlim_cur)}, {"hard", limit(nofile.rlim_max)}};
  snapshot["fds"] = take_fd_snapshot(hidden_fd);
  snapshot["children"] = children_of_self();
  return snapshot;
}

// parent.resources of the result: the standard fds still holding the driver's
// parent.* files, then every named resource.
Json resource_map(const PreparedParent& prepared) {
  Json map = Json::object();
  const char* std_names[] = {"parent.stdin", "parent.stdout", "parent.stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    bool closed = std::find(prepared.closed_std.begin(), prepared.closed_std.end(), fd) != prepared.closed_std.end();
    bool replaced = false;
    for (const auto& [name, resource_fd] : prepared.resources.named_fds()) replaced = replaced || resource_fd == fd;
    if (!closed && !replaced && !prepared.resources.is_gone(std_names[fd])) map[std_names[fd]] = fd;
  }
  for (const auto& [name, fd] : prepared.resources.named_fds())
    if (!prepared.resources.is_gone(name)) map[name] = fd;
  return map;
}

Json read_probe_report(const std::string& path, std::string& diagnostics) {
  std::ifstream file(path);
  if (!file) return nullptr;
  std::stringstream text;
  text << file.rdbuf();
  Json report = Json::parse(text.str(), nullptr, false);
  if (report.is_discarded()) {
    diagnostics += fmt::format("the probe report {} is not valid JSON\n", path);
    return nullptr;
  }
  return report;
}

}  // namespace driver
