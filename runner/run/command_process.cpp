#include "run/command_process.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <ostream>

#include "run/interrupt.hpp"
#include "run/utf8_text.hpp"

namespace fdconform {
namespace {

// Whatever fds the runner inherited (from a shell, ctest, CI) must not reach drivers or probes, where they
// would show as fds the scenario never made.
void make_inherited_fds_cloexec() {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    int own = ::dirfd(dir);
    while (auto* entry = ::readdir(dir)) {
      int fd = std::atoi(entry->d_name);
      if (fd > 2 && fd != own) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::closedir(dir);
  }
}

}  // namespace

CommandProcess::CommandProcess() {
  install_interrupt_handlers();
  make_inherited_fds_cloexec();
}

void CommandProcess::watch(const RunDirectory& run_dir, std::ostream& err) {
  if (auto why = watcher_.start(run_dir.path()); !why.empty())
    err << "fdconform: no cleanup watcher (" << why << "): if this run is killed by SIGKILL, its probes may outlive "
        << "it and " << valid_utf8(run_dir.path()) << " stay behind\n";
}

void CommandProcess::finish(std::optional<RunDirectory>& run_dir, std::ostream& err) {
  if (std::size_t left = OrphanReaper::kill_and_reap_children(std::chrono::seconds(3), watcher_.pid()))
    err << fmt::format("fdconform: {} processes left behind by probes did not end after SIGKILL\n", left) << std::flush;
  run_dir.reset();
  watcher_.finish();
}

}  // namespace fdconform
