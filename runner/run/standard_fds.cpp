#include "run/standard_fds.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace fdconform {

bool reserve_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // open() takes the lowest free number, which is `fd` itself since every lower one is open by now.
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened < 0) return false;
    if (opened != fd) {
      // Only reachable if something opened an fd before us; move it where it belongs.
      if (::dup2(opened, fd) < 0) return false;
      ::close(opened);
    }
  }
  return true;
}

}  // namespace fdconform
