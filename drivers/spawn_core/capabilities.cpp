#include "capabilities.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace spawn_core_driver {
namespace {

// close_range(2) came with Linux 5.9; spawn_core's close_fds tries it first
// (CloseStrategy::automatic). An empty range at the top of the fd space
// closes nothing, so it only tells whether the kernel knows the call.
bool kernel_has_close_range() { return syscall(SYS_close_range, ~0U, ~0U, 0) == 0; }

}  // namespace

const std::vector<std::string>& driver_features() {
  static const std::vector<std::string> features = [] {
    std::vector<std::string> found = {"posix_spawn", "posix_spawn_closefrom", "process_group", "umask",
                                      "user_group",  "pipesize",              "vfork"};
    if (kernel_has_close_range()) found.push_back("close_range");
    return found;
  }();
  return features;
}

}  // namespace spawn_core_driver
