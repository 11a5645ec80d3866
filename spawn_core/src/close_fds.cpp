#include "close_fds.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>

namespace spawn_core::detail {

namespace {

bool is_kept(int fd, KeptFds keep) noexcept {
  int low = 0, high = keep.count - 1;
  while (low <= high) {
    const int middle = low + (high - low) / 2;
    if (keep.fds[middle] == fd) return true;
    if (keep.fds[middle] < fd) low = middle + 1; else high = middle - 1;
  }
  return false;
}

// Decimal digits only, else -1 ("." and ".." and anything odd).
int parse_fd_name(const char* name) noexcept {
  if (*name == '\0') return -1;
  long value = 0;
  for (; *name; ++name) {
    if (*name < '0' || *name > '9') return -1;
    value = value * 10 + (*name - '0');
    if (value > INT_MAX) return -1;
  }
  return static_cast<int>(value);
}

// The kernel's record layout for getdents64 (stable ABI; glibc does not
// export a getdents64 wrapper we could rely on between fork and exec).
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

}  // namespace

int close_by_close_range(int first, KeptFds keep) noexcept {
  long start = first;  // long: one past a kept INT_MAX must not overflow
  for (int i = 0; i < keep.count; ++i) {
    const long kept = keep.fds[i];
    if (kept < start) continue;
    // Unlike CPython (which calls close_range(start, start-1) here and falls
    // back on its EINVAL), an empty gap between adjacent kept fds is skipped.
    if (kept > start && syscall(SYS_close_range, start, kept - 1, 0) != 0) return -errno;
    start = kept + 1;
  }
  if (start <= INT_MAX && syscall(SYS_close_range, start, INT_MAX, 0) != 0) return -errno;
  return 0;
}

int close_by_proc_self_fd(int first, KeptFds keep) noexcept {
  const int dir = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir < 0) return -errno;
  alignas(LinuxDirent64) char buffer[1024];
  while (true) {
    const long bytes = syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (bytes <= 0) {
      const int result = bytes < 0 ? -errno : 0;
      close(dir);
      return result;
    }
    for (long offset = 0; offset < bytes;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + offset);
      offset += entry->d_reclen;
      const int fd = parse_fd_name(entry->d_name);
      // Closing while listing is fine: the kernel walks the fd table by number.
      if (fd >= first && fd != dir && !is_kept(fd, keep)) close(fd);
    }
  }
}

int close_by_brute_force(int first, KeptFds keep, int limit) noexcept {
  for (int fd = first; fd < limit; ++fd) {
    if (!is_kept(fd, keep)) close(fd);  // errors (EBADF) are the normal case
  }
  return 0;
}

int close_open_fds(CloseStrategy strategy, int first, KeptFds keep, int brute_force_limit) noexcept {
  switch (strategy) {
    case CloseStrategy::close_range:
      return close_by_close_range(first, keep);
    case CloseStrategy::proc_self_fd:
      return close_by_proc_self_fd(first, keep);
    case CloseStrategy::brute_force:
      return close_by_brute_force(first, keep, brute_force_limit);
    case CloseStrategy::automatic:
      break;
  }
  if (close_by_close_range(first, keep) == 0) return 0;
  if (close_by_proc_self_fd(first, keep) == 0) return 0;
  return close_by_brute_force(first, keep, brute_force_limit);
}

}  // namespace spawn_core::detail
