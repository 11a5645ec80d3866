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
#include <chrono>
#include <thread>
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

std::size_t OrphanReaper::kill_and_reap_children(std::chrono::milliseconds limit, pid_t spare) {
  // A blocking waitpid(-1) here once hung the runner for good: a daemonised probe tree is handed to the
  // subreaper one generation at a time, each as its parent dies, so a child could appear after the
  // kill and keep the wait going, deaf to SIGINT. Kill whatever is there, reap what died, look again,
  // and give up at the deadline (a process stuck in the kernel cannot be killed at all).
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto reap_zombies = [] {
      pid_t reaped = 0;
      while ((reaped = ::waitpid(-1, nullptr, WNOHANG)) > 0) {
      }
      return reaped;  // 0: children left, none dead; -1 (ECHILD): no child at all
    };
    if (reap_zombies() < 0 && errno == ECHILD) return 0;
    std::vector<pid_t> alive;
    for (const pid_t child : live_children())
      if (child != spare) alive.push_back(child);
    if (alive.empty()) {
      reap_zombies();  // one that died between the wait and the scan
      return 0;
    }
    if (std::chrono::steady_clock::now() >= deadline) return alive.size();
    for (const pid_t child : alive) {
      // A group leader takes its group with it, which ends a tree faster than one generation per pass.
      if (::getpgid(child) == child) ::kill(-child, SIGKILL);
      ::kill(child, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace fdconform
