// The floor spawn_core is measured against: the bare system calls, with no
// argument handling, no error pipe and no fd work beyond what each names.
#pragma once

#include <sys/types.h>

namespace bench {

pid_t raw_posix_spawn(const char* path, char* const argv[], char* const envp[]);
// posix_spawn with one closefrom(3) file action: what a close_fds=True
// posix_spawn costs at the least.
pid_t raw_posix_spawn_closefrom(const char* path, char* const argv[], char* const envp[]);
pid_t raw_vfork_execve(const char* path, char* const argv[], char* const envp[]);
pid_t raw_fork_execve(const char* path, char* const argv[], char* const envp[]);

// Reaps `pid`; returns its exit status, or -1 if it did not exit normally.
int wait_exit_status(pid_t pid);

}  // namespace bench
