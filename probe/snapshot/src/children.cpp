// The children a process has not reaped, from each thread's
// /proc/self/task/TID/children and the state letter of /proc/PID/stat.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fdconform_snapshot/snapshot.hpp"

namespace fdconform_snapshot {
namespace {

// The whole of a small /proc file, or an empty string when it is gone.
std::string read_small_file(const char* path) {
  std::string text;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// The letter after the parenthesised command name (which may itself hold spaces or parentheses).
char state_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const std::string stat = read_small_file(path);
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) return '\0';  // already gone
  return stat[close_paren + 2];
}

}  // namespace

bool read_children(std::vector<Child>& children) {
  children.clear();
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return false;
  while (const dirent* task = readdir(tasks)) {
    if (task->d_name[0] < '0' || task->d_name[0] > '9') continue;
    char path[96];
    std::snprintf(path, sizeof path, "/proc/self/task/%s/children", task->d_name);
    const std::string listing = read_small_file(path);
    const char* at = listing.c_str();
    while (*at != '\0') {
      char* end = nullptr;
      const long pid = std::strtol(at, &end, 10);
      if (end == at) break;
      at = end;
      if (const char state = state_of(static_cast<pid_t>(pid))) children.push_back({static_cast<pid_t>(pid), state});
    }
  }
  closedir(tasks);
  std::sort(children.begin(), children.end(), [](const Child& a, const Child& b) { return a.pid < b.pid; });
  return true;
}

}  // namespace fdconform_snapshot
