#include "deviation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace kit {

constexpr int extra_fd_number = 42;

DeviationInEffect start_deviation(Deviation deviation) {
  DeviationInEffect in_effect;
  if (deviation == Deviation::umask) {
    mode_t scenario_mask = umask(077);
    if (scenario_mask == 077) umask(027);
    in_effect.scenario_umask = scenario_mask;
  } else if (deviation == Deviation::extra_fd) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup3(fd, extra_fd_number, O_CLOEXEC) < 0)
      throw std::system_error(errno, std::generic_category(), "deviate extra_fd: placing /dev/null at fd 42");
    if (fd != extra_fd_number) close(fd);
    in_effect.extra_fd = extra_fd_number;
  }
  return in_effect;
}

void end_deviation(const DeviationInEffect& in_effect, Deviation deviation) {
  if (in_effect.extra_fd) close(*in_effect.extra_fd);
  if (in_effect.scenario_umask) umask(*in_effect.scenario_umask);
  if (deviation == Deviation::parent_leak) {
    // What a spawn that forgets to close one of its own fds leaves behind.
    if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0)
      throw std::system_error(errno, std::generic_category(), "deviate parent_leak: opening /dev/null");
  }
}

}  // namespace kit
