#include "raw_spawn.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace bench {

pid_t raw_posix_spawn(const char* path, char* const argv[], char* const envp[]) {
  pid_t pid = -1;
  return posix_spawn(&pid, path, nullptr, nullptr, argv, envp) == 0 ? pid : -1;
}

pid_t raw_posix_spawn_closefrom(const char* path, char* const argv[], char* const envp[]) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, path, &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

pid_t raw_vfork_execve(const char* path, char* const argv[], char* const envp[]) {
  const pid_t pid = vfork();
  if (pid == 0) {
    execve(path, argv, envp);
    _exit(127);
  }
  return pid;
}

pid_t raw_fork_execve(const char* path, char* const argv[], char* const envp[]) {
  const pid_t pid = fork();
  if (pid == 0) {
    execve(path, argv, envp);
    _exit(127);
  }
  return pid;
}

int wait_exit_status(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace bench
