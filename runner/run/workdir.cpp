#include "run/workdir.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <vector>

namespace fdconform {

namespace {

// With TMPDIR unset the run directory goes on /dev/shm when that is a tmpfs fit for it, else on /tmp.
// Every cell makes a directory, its scenario parent creates files there, its probe writes its report
// there and the runner removes it all: on a disk file system that was about a third of the cheapest
// cell (docs/PERFORMANCE.md, "The matrix's cost per cell"). What would make a tmpfs unfit is checked
// in suits_run_directories.
constexpr const char* kMemoryBase = "/dev/shm";
constexpr const char* kDiskBase = "/tmp";
// A container's /dev/shm is often 64 MiB; cells are small, but -j N of them with their reports and
// resources must never fill it.
constexpr unsigned long long kMemoryBaseMinimumFree = 256ULL << 20;

}  // namespace

bool RunDirectory::suits_run_directories(const std::string& base) {
  struct statfs file_system {};
  if (::statfs(base.c_str(), &file_system) != 0 || file_system.f_type != TMPFS_MAGIC) return false;
  // Scenarios exec files they create in their cell (ENOEXEC, ETXTBSY, PATH search): on a noexec mount
  // they would see EACCES instead.
  struct statvfs mount {};
  if (::statvfs(base.c_str(), &mount) != 0 || (mount.f_flag & (ST_RDONLY | ST_NOEXEC)) != 0) return false;
  if (static_cast<unsigned long long>(mount.f_bavail) * mount.f_frsize < kMemoryBaseMinimumFree) return false;
  // World-writable and sticky, as /tmp is, so probes running as another user reach the cells.
  struct stat status {};
  return ::stat(base.c_str(), &status) == 0 && S_ISDIR(status.st_mode) && (status.st_mode & 01777) == 01777 &&
         ::access(base.c_str(), W_OK | X_OK) == 0;
}

std::string RunDirectory::default_base() {
  return suits_run_directories(kMemoryBase) ? kMemoryBase : kDiskBase;
}

RunDirectory::RunDirectory() {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : default_base();
  std::string pattern = base + "/fdconform-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) {
    error_ = fmt::format("cannot create a temporary directory under {}: {}", base, std::strerror(errno));
    return;
  }
  std::error_code ec;
  auto real = std::filesystem::canonical(buffer.data(), ec);
  path_ = ec ? std::string(buffer.data()) : real.string();
  ::chmod(path_.c_str(), 0755);  // cell dirs inside must be reachable by a probe running as nobody
}

std::string RunDirectory::check_room(std::size_t cells) const {
  // The probe is handed its report path whole (--report=<cell>/probe.json); past PATH_MAX every probe
  // fails to report, the same way in every column.
  std::string longest = fmt::format("{}/cell-{}/probe.json", path_, cells == 0 ? 0 : cells - 1);
  if (longest.size() < PATH_MAX) return {};
  return fmt::format("TMPDIR is too deep: {} leaves too little of PATH_MAX ({} bytes) for the cells' files, such as "
                     "{} ({} bytes)",
                     path_, PATH_MAX, longest, longest.size());
}

RunDirectory::~RunDirectory() {
  if (!path_.empty()) remove_tree(path_);
}

std::string RunDirectory::make_cell_dir(long long number, std::string* error) {
  std::string dir = fmt::format("{}/cell-{}", path_, number);
  if (::mkdir(dir.c_str(), 0777) != 0) {
    if (error) *error = fmt::format("cannot create the cell's working directory {}: {}", dir, std::strerror(errno));
    return {};
  }
  ::chmod(dir.c_str(), 0777);  // mkdir's mode is filtered by the umask
  return dir;
}

void RunDirectory::remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace fdconform
