#include "spawn_core/fork_exec.hpp"

#include <unistd.h>


#include "child_plan.hpp"
#include "launch.hpp"

namespace spawn_core {

namespace {

detail::ErrorFormat to_detail(ForkExecErrorFormat format) {
  switch (format) {
    case ForkExecErrorFormat::cpython_3_11:
      return detail::ErrorFormat::cpython_3_11;
    case ForkExecErrorFormat::cpython_3_13:
      return detail::ErrorFormat::cpython_3_13;
    case ForkExecErrorFormat::spawn_core:
      break;
  }
  return detail::ErrorFormat::record;
}

}  // namespace

PreparedForkExec::PreparedForkExec(const ForkExecArgs& args) : plan_(std::make_unique<detail::ChildPlan>()) {
  detail::ChildPlan& plan = *plan_;
  plan.has_argv = args.argv.has_value();
  if (args.argv) plan.argv = detail::CStringArray(*args.argv);
  if (args.env) {
    plan.has_env = true;
    plan.envp = detail::EnvironmentBlock(*args.env);
  }
  plan.exec_candidates = detail::CStringArray(args.executable_list);
  if (args.cwd) {
    plan.has_cwd = true;
    plan.cwd = *args.cwd;
  }
  plan.stdio = {args.p2cread, args.p2cwrite, args.c2pread, args.c2pwrite, args.errread, args.errwrite, -1};
  plan.errpipe_read = args.errpipe_read;
  plan.errpipe_write = args.errpipe_write;
  plan.fds_to_keep = args.fds_to_keep;
  plan.close_fds = args.close_fds;
  plan.close_strategy = CloseStrategy::automatic;
  plan.brute_force_limit = detail::brute_force_close_limit();
  plan.umask = args.umask;
  plan.restore_signals = args.restore_signals;
  plan.start_new_session = args.call_setsid;
  plan.process_group = args.process_group;
  plan.credentials.uid = args.uid;
  plan.credentials.gid = args.gid;
  plan.credentials.groups = args.extra_groups;
  if (args.extra_groups) plan.groups = *args.extra_groups;
  plan.hooks = {args.hooks.at_child_start, args.hooks.before_close_fds, args.hooks.context};
  plan.error_format = to_detail(args.error_format);
  sigemptyset(&plan.child_sigmask);
  const bool has_hooks = args.hooks.at_child_start != nullptr || args.hooks.before_close_fds != nullptr;
  use_vfork_ = args.allow_vfork && !has_hooks && !plan.credentials.changes_anything();
}

PreparedForkExec::~PreparedForkExec() = default;

pid_t PreparedForkExec::launch() noexcept {
  if (!use_vfork_) {
    used_vfork_ = false;
    return detail::launch_by_fork(*plan_);
  }
  bool used_fork = false;
  const pid_t pid = detail::launch_by_vfork(*plan_, used_fork);
  used_vfork_ = pid > 0 && !used_fork;
  return pid;
}

}  // namespace spawn_core
