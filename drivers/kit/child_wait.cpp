#include "child_wait.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace kit {
namespace {

int returncode_of(int status) {
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Every process's parent, from /proc/<pid>/stat (the field after the
// parenthesised command name, which may itself hold spaces or parentheses).
std::multimap<pid_t, pid_t> children_by_parent() {
  std::multimap<pid_t, pid_t> children;
  DIR* proc = opendir("/proc");
  if (!proc) return children;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string text;
    std::getline(stat, text);
    size_t close_paren = text.rfind(')');
    if (close_paren == std::string::npos || close_paren + 4 >= text.size()) continue;
    pid_t parent = static_cast<pid_t>(std::atoi(text.c_str() + close_paren + 4));  // ") S <ppid>"
    children.emplace(parent, static_cast<pid_t>(std::atoi(entry->d_name)));
  }
  closedir(proc);
  return children;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> found;
  auto all = children_by_parent();
  auto [first, last] = all.equal_range(parent);
  for (auto it = first; it != last; ++it) found.push_back(it->second);
  return found;
}

}  // namespace

std::optional<int> wait_with_deadline(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return returncode_of(status);
    if (done < 0 && errno == ECHILD) return 0;
    if (done < 0 && errno != EINTR) return 0;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(20)) pause *= 2;
  }
}

void kill_child_tree(pid_t pid) {
  pid_t group = getpgid(pid);
  if (group > 0 && group != getpgrp()) kill(-group, SIGKILL);
  // Stop the child first so it cannot fork while its tree is walked.
  kill(pid, SIGSTOP);
  auto all = children_by_parent();
  std::vector<pid_t> pending{pid};
  while (!pending.empty()) {
    pid_t next = pending.back();
    pending.pop_back();
    auto [first, last] = all.equal_range(next);
    for (auto it = first; it != last; ++it) pending.push_back(it->second);
    kill(next, SIGKILL);
  }
}

void adopt_orphans() { prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

void reap_adopted_orphans() {
  // A few rounds: an orphan being killed may still be re-parented to us.
  for (int round = 0; round < 50; ++round) {
    std::vector<pid_t> orphans = children_of(getpid());
    if (orphans.empty()) return;
    for (pid_t orphan : orphans) kill(orphan, SIGKILL);
    for (pid_t orphan : orphans) reap(orphan);
  }
}

int reap(pid_t pid) {
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid, &status, 0);
    if (done == pid) return returncode_of(status);
    if (done < 0 && errno == EINTR) continue;
    return 0;
  }
}

}  // namespace kit
