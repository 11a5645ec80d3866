#include "confined_paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace kit {
namespace {

[[noreturn]] void fail_with(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto part = path.substr(start, end - start);
    if (!part.empty() && part != ".") out.push_back(part);
    start = end + 1;
  }
  return out;
}

// Owns one fd.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& other) noexcept : fd(other.release()) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

[[noreturn]] void refuse(const std::string& path, std::string_view why) {
  throw RequestError(fmt::format("path {} leaves the workdir: {}", path, why));
}

// The directory holding the last component, reached without leaving the cwd or following
// a symlink; the last component in `leaf` ("." for the cwd itself).
Fd parent_directory(const std::string& path, std::string& leaf) {
  if (path.starts_with('/')) refuse(path, "it is absolute");
  auto parts = components(path);
  for (auto part : parts)
    if (part == "..") refuse(path, "it has a '..' component");
  Fd dir(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir.fd < 0) fail_with(errno, "opening the workdir");
  leaf = parts.empty() ? std::string(".") : std::string(parts.back());
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    std::string name(parts[i]);
    struct stat st {};
    if (fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
      refuse(path, "it goes through the symlink " + name);
    Fd next(openat(dir.fd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.fd < 0) fail_with(errno, fmt::format("opening {}", path));
    std::swap(dir.fd, next.fd);
  }
  return dir;
}

// The walk holds fds of its own, but a resource placed "where the kernel puts it" must get
// the lowest free fd, as a plain open() would give.
int to_lowest_free_fd(int fd) {
  int lower = fcntl(fd, (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
  if (lower < 0) return fd;
  if (lower > fd) {
    close(lower);
    return fd;
  }
  close(fd);
  return lower;
}

void refuse_symlink(int dirfd, const std::string& leaf, const std::string& path) {
  struct stat st {};
  if (fstatat(dirfd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
    refuse(path, "it is a symlink");
}

}  // namespace

bool scenario_is_confined(const Json& scenario) {
  auto it = scenario.find("unconfined");
  return it == scenario.end() || it->is_null();
}

int open_in_workdir(const std::string& path, int flags, mode_t mode, bool confined) {
  if (!confined) {
    int fd = open(path.c_str(), flags, mode);
    if (fd < 0) fail_with(errno, fmt::format("opening {}", path));
    return fd;
  }
  std::string leaf;
  Fd dir = parent_directory(path, leaf);
  refuse_symlink(dir.fd, leaf, path);
  // O_NOFOLLOW closes the gap between the check and the open (O_PATH would open the link itself).
  int fd = openat(dir.fd, leaf.c_str(), flags | O_NOFOLLOW, mode);
  if (fd < 0) fail_with(errno, fmt::format("opening {}", path));
  close(dir.release());
  return to_lowest_free_fd(fd);
}

void make_dir_in_workdir(const std::string& path, mode_t mode, bool confined) {
  if (!confined) {
    if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) fail_with(errno, fmt::format("mkdir {}", path));
    return;
  }
  std::string leaf;
  Fd dir = parent_directory(path, leaf);
  refuse_symlink(dir.fd, leaf, path);
  if (mkdirat(dir.fd, leaf.c_str(), mode) != 0 && errno != EEXIST) fail_with(errno, fmt::format("mkdir {}", path));
}

void make_fifo_in_workdir(const std::string& path, mode_t mode, bool confined) {
  if (!confined) {
    if (mkfifo(path.c_str(), mode) != 0) fail_with(errno, fmt::format("mkfifo {}", path));
    return;
  }
  std::string leaf;
  Fd dir = parent_directory(path, leaf);
  refuse_symlink(dir.fd, leaf, path);
  if (mkfifoat(dir.fd, leaf.c_str(), mode) != 0) fail_with(errno, fmt::format("mkfifo {}", path));
}

void change_dir_in_workdir(const std::string& path, bool confined) {
  if (!confined) {
    if (chdir(path.c_str()) != 0) fail_with(errno, fmt::format("chdir {}", path));
    return;
  }
  Fd dir(open_in_workdir(path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, true));
  if (fchdir(dir.fd) != 0) fail_with(errno, fmt::format("chdir {}", path));
}

void check_child_open_path(const std::string& path, const std::string& workdir, bool confined) {
  if (!confined) return;
  std::string relative = path;
  if (path == workdir) relative = ".";
  else if (path.starts_with(workdir + "/")) relative = path.substr(workdir.size() + 1);
  // A relative path below the workdir is checked from the workdir, anything else from the cwd.
  Fd base(open(relative == path ? "." : workdir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (base.fd < 0) fail_with(errno, "opening the workdir");
  if (relative.starts_with('/')) refuse(path, "it is absolute");
  auto parts = components(relative);
  for (auto part : parts)
    if (part == "..") refuse(path, "it has a '..' component");
  int dir = base.fd;
  Fd walked(-1);
  for (auto part : parts) {
    std::string name(part);
    struct stat st {};
    if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;  // missing: nothing below can exist
    if (S_ISLNK(st.st_mode)) refuse(path, "it goes through the symlink " + name);
    if (!S_ISDIR(st.st_mode)) return;
    Fd next(openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.fd < 0) return;
    std::swap(walked.fd, next.fd);
    dir = walked.fd;
  }
}

}  // namespace kit
