#include "run/orphan_reaper.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fdconform {
namespace {

// Pids whose parent is this process, read from /proc/<pid>/stat.
std::vector<pid_t> live_children() {
  std::vector<pid_t> children;
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    const std::string stat_path = std::string("/proc/") + entry->d_name + "/stat";
    FILE* stat = std::fopen(stat_path.c_str(), "re");
    if (stat == nullptr) continue;
    char line[1024];
    const bool read = std::fgets(line, sizeof line, stat) != nullptr;
    std::fclose(stat);
    if (!read) continue;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const char* close_paren = std::strrchr(line, ')');
    char state = 0;
    int parent = 0;
    if (close_paren == nullptr || std::sscanf(close_paren + 1, " %c %d", &state, &parent) != 2) continue;
    if (parent == self && state != 'Z') children.push_back(static_cast<pid_t>(std::atoi(entry->d_name)));
  }
  ::closedir(proc);
  return children;
}

}  // namespace

OrphanReaper::OrphanReaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

OrphanReaper::~OrphanReaper() { kill_and_reap_children(); }

void OrphanReaper::kill_and_reap_children() {
  for (const pid_t child : live_children()) ::kill(child, SIGKILL);
  for (;;) {
    const pid_t reaped = ::waitpid(-1, nullptr, 0);
    if (reaped > 0 || (reaped < 0 && errno == EINTR)) continue;
    break;  // ECHILD: nothing left
  }
}

}  // namespace fdconform
