// A low-level entry for callers that have already done Popen's parent-side
// work (pipes, error pipe, exec candidate list): CPython's
// _posixsubprocess.fork_exec contract. The child runs spawn_core's child
// routine; its failure is written on errpipe_write in the requested format
// and the caller reads it. Used by cpython_ext/ (the extension module).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spawn_core {

namespace detail {
struct ChildPlan;
}

// How the child reports a failure on errpipe_write.
enum class ForkExecErrorFormat {
  spawn_core,    // spawn_core's binary record
  cpython_3_11,  // "OSError:<hex errno>:noexec" for every pre-exec failure (3.11, 3.12)
  cpython_3_13,  // as 3.11 but "noexec:chdir" when chdir(cwd) failed
};

// Code the caller wants run in a fork child (never with vfork).
struct ForkExecHooks {
  void (*at_child_start)(void* context) = nullptr;    // right after fork
  int (*before_close_fds)(void* context) = nullptr;   // after setreuid; non-zero = failure
  void* context = nullptr;
};

struct ForkExecArgs {
  std::optional<std::vector<std::string>> argv;  // nullopt: exec with a NULL argv
  std::vector<std::string> executable_list;      // tried in order
  bool close_fds = true;
  std::vector<int> fds_to_keep;                  // sorted, distinct; include errpipe_write
  std::optional<std::string> cwd;
  std::optional<std::vector<std::string>> env;   // "KEY=VALUE"; nullopt: the child's environ
  int p2cread = -1, p2cwrite = -1, c2pread = -1, c2pwrite = -1, errread = -1, errwrite = -1;
  int errpipe_read = -1, errpipe_write = -1;
  bool restore_signals = true;
  bool call_setsid = false;
  pid_t process_group = -1;
  std::optional<gid_t> gid;
  std::optional<std::vector<gid_t>> extra_groups;  // setgroups even when empty
  std::optional<uid_t> uid;
  int umask = -1;
  bool allow_vfork = true;  // vfork only if also no hooks and no credential change
  ForkExecErrorFormat error_format = ForkExecErrorFormat::spawn_core;
  ForkExecHooks hooks;
};

// The plan is built (allocations, sysconf) at construction, so that launch()
// only forks. Not copyable; one launch per object.
class PreparedForkExec {
 public:
  explicit PreparedForkExec(const ForkExecArgs& args);
  ~PreparedForkExec();
  PreparedForkExec(const PreparedForkExec&) = delete;
  PreparedForkExec& operator=(const PreparedForkExec&) = delete;

  bool will_use_vfork() const noexcept { return use_vfork_; }
  // Creates the child: its pid, or -errno if neither vfork nor fork worked.
  pid_t launch() noexcept;
  // After launch(): true if the child was created by vfork.
  bool used_vfork() const noexcept { return used_vfork_; }

 private:
  std::unique_ptr<detail::ChildPlan> plan_;
  bool use_vfork_ = false;
  bool used_vfork_ = false;
};

}  // namespace spawn_core
