#include "deviation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace driver {

constexpr int extra_fd_number = 42;

DeviationInEffect start_deviation(Deviation deviation) {
  DeviationInEffect in_effect;
  if (deviation == Deviation::umask) {
    mode_t scenario_mask = umask(077);
    if (scenario_mask == 077) umask(027);
  } else if (deviation == Deviation::extra_fd) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup3(fd, extra_fd_number, O_CLOEXEC) < 0)
      throw std::system_error(errno, std::generic_category(), "deviate extra_fd: placing /dev/null at fd 42");
    if (fd != extra_fd_number) close(fd);
    in_effect.extra_fd = extra_fd_number;
  }
  return in_effect;
}

void end_deviation(const DeviationInEffect& in_effect) {
  if (in_effect.extra_fd) close(*in_effect.extra_fd);
}

}  // namespace driver
