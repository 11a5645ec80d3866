#include "open_fds.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace bench {

namespace {

std::vector<int> held_fds;

rlim_t read_machine_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_max;
}

// The hard limit only ever moves up, and only when the soft one must exceed
// it, so the machine's own limit stays the ceiling unless asked otherwise.
std::string set_fd_limit(rlim_t value) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = value;
  if (value > limit.rlim_max) limit.rlim_max = value;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return "setrlimit(RLIMIT_NOFILE, " + std::to_string(value) + "): " + std::strerror(errno) +
           " (above the hard limit of " + std::to_string(machine_fd_limit()) +
           " this needs CAP_SYS_RESOURCE)";
  }
  return {};
}

}  // namespace

rlim_t machine_fd_limit() {
  static const rlim_t limit = read_machine_limit();
  return limit;
}

bool fd_limit_reachable(rlim_t limit) {
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  if (limit <= saved.rlim_max) return true;
  rlimit raised{limit, limit};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) return false;
  setrlimit(RLIMIT_NOFILE, &saved);
  return true;
}

std::string hold_open_fds(int count, rlim_t fd_limit) {
  // Close first, so a lower limit never sits below an fd still open.
  while (static_cast<int>(held_fds.size()) > count) {
    close(held_fds.back());
    held_fds.pop_back();
  }
  if (auto error = set_fd_limit(fd_limit == 0 ? machine_fd_limit() : fd_limit); !error.empty()) {
    return error;
  }
  while (static_cast<int>(held_fds.size()) < count) {
    const int fd = held_fds.empty() ? open("/dev/null", O_RDWR)  // no O_CLOEXEC on purpose
                                    : fcntl(held_fds.front(), F_DUPFD, 3);
    if (fd < 0) {
      return "cannot open fd number " + std::to_string(held_fds.size() + 1) + ": " +
             std::strerror(errno);
    }
    held_fds.push_back(fd);
  }
  return {};
}

}  // namespace bench
