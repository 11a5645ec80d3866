// The fd table as seen from inside: every open fd with its kind, access mode,
// status flags, close-on-exec flag, offset and identity.
#include <dirent.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "fdconform_snapshot/snapshot.hpp"

namespace fdconform_snapshot {
namespace {

struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Lists /proc/self/fd with raw getdents64 so that no library buffers or
// hidden fds are involved; the directory fd itself is left out, and so is `hidden_fd`.
bool list_open_fds(std::vector<int>& fds, int hidden_fd) {
  const int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(LinuxDirent64) char buffer[4096];
  for (;;) {
    const long n = syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + at);
      at += entry->d_reclen;
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      const int fd = std::atoi(entry->d_name);
      if (fd != dir && fd != hidden_fd) fds.push_back(fd);
    }
  }
  close(dir);
  std::sort(fds.begin(), fds.end());
  return true;
}

std::string link_target(int fd) {
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  return n < 0 ? std::string() : std::string(target, static_cast<size_t>(n));
}

long long fdinfo_position(int fd) {
  char name[64], text[4096];
  std::snprintf(name, sizeof name, "/proc/self/fdinfo/%d", fd);
  const int info = open(name, O_RDONLY | O_CLOEXEC);
  if (info < 0) return -1;
  const ssize_t n = read(info, text, sizeof text - 1);
  close(info);
  if (n <= 0) return -1;
  text[n] = '\0';
  const char* pos = std::strstr(text, "pos:");
  return pos == nullptr ? -1 : std::strtoll(pos + 4, nullptr, 10);
}

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

std::string fd_kind(const struct stat& st, const std::string& target) {
  if (starts_with(target, "anon_inode:")) {
    static const char* const known[][2] = {
        {"[eventfd]", "eventfd"}, {"[eventpoll]", "epoll"}, {"[signalfd]", "signalfd"},
        {"[timerfd]", "timerfd"}, {"[pidfd]", "pidfd"},     {"inotify", "inotify"}};
    for (const auto& pair : known)
      if (target.find(pair[0]) != std::string::npos) return pair[1];
    return "anon";
  }
  if (S_ISREG(st.st_mode)) return starts_with(target, "/memfd:") ? "memfd" : "file";
  if (S_ISDIR(st.st_mode)) return "dir";
  if (S_ISFIFO(st.st_mode)) return starts_with(target, "pipe:") ? "pipe" : "fifo";
  if (S_ISSOCK(st.st_mode)) return "socket";
  if (S_ISCHR(st.st_mode)) return "chr";
  if (S_ISBLK(st.st_mode)) return "blk";
  return "unknown";
}

std::string fd_access(int status_flags) {
  if (status_flags & O_PATH) return "path";
  switch (status_flags & O_ACCMODE) {
    case O_RDONLY: return "rdonly";
    case O_WRONLY: return "wronly";
    default: return "rdwr";
  }
}

std::vector<std::string> fd_status_flags(int status_flags) {
  std::vector<std::string> flags;
  if (status_flags & O_APPEND) flags.emplace_back("append");
  if (status_flags & O_NONBLOCK) flags.emplace_back("nonblock");
  if ((status_flags & O_SYNC) == O_SYNC) flags.emplace_back("sync");
  else if (status_flags & O_DSYNC) flags.emplace_back("dsync");
  if (status_flags & O_DIRECT) flags.emplace_back("direct");
  if (status_flags & O_NOATIME) flags.emplace_back("noatime");
  if (status_flags & O_ASYNC) flags.emplace_back("async");
  return flags;
}

void classify_open_file_descriptions(std::vector<FdEntry>& entries, pid_t pid) {
  const auto same_open_file = [pid](int a, int b) { return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0; };
  if (entries.empty() || !same_open_file(entries.front().fd, entries.front().fd)) return;
  int next_class = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    for (size_t j = 0; j < i && entries[i].ofd < 0; ++j)
      if (same_open_file(entries[j].fd, entries[i].fd)) entries[i].ofd = entries[j].ofd;
    if (entries[i].ofd < 0) entries[i].ofd = next_class++;
  }
}

bool read_fd_table(std::vector<FdEntry>& entries, int hidden_fd) {
  entries.clear();
  std::vector<int> open_fds;
  if (!list_open_fds(open_fds, hidden_fd)) return false;
  for (const int fd : open_fds) {
    FdEntry entry;
    entry.fd = fd;
    struct stat st{};
    if (fstat(fd, &st) == 0) {
      entry.dev = st.st_dev;
      entry.ino = st.st_ino;
      entry.rdev = st.st_rdev;
    }
    const int status_flags = fcntl(fd, F_GETFL);
    const int fd_flags = fcntl(fd, F_GETFD);
    entry.path = link_target(fd);
    entry.kind = fd_kind(st, entry.path);
    entry.access = fd_access(status_flags);
    entry.flags = fd_status_flags(status_flags);
    entry.cloexec = fd_flags >= 0 && (fd_flags & FD_CLOEXEC);
    entry.offset = fdinfo_position(fd);
    if (entry.kind == "pipe" || entry.kind == "fifo") entry.pipe_size = fcntl(fd, F_GETPIPE_SZ);
    entries.push_back(std::move(entry));
  }
  classify_open_file_descriptions(entries, getpid());
  return true;
}

}  // namespace fdconform_snapshot
