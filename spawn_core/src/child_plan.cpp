#include "child_plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "argument_checks.hpp"
#include "exec_search.hpp"
#include "spawn_core/spawn_error.hpp"

namespace spawn_core::detail {

CStringArray::CStringArray(std::vector<std::string> strings) : strings_(std::move(strings)) {
  pointers_.reserve(strings_.size() + 1);
  for (auto& s : strings_) pointers_.push_back(s.data());
  pointers_.push_back(nullptr);
}

ResolvedArgs resolve_args(const Command& command) {
  ResolvedArgs resolved;
  resolved.argv = command.args;
  if (command.shell) {
    resolved.argv.insert(resolved.argv.begin(), {"/bin/sh", "-c"});
    // With shell, a given executable replaces argv[0] (a truthy one: "" does not).
    if (command.executable && !command.executable->empty()) resolved.argv[0] = *command.executable;
  }
  if (command.executable) {
    resolved.executable = *command.executable;
  } else if (!resolved.argv.empty()) {
    resolved.executable = resolved.argv[0];
  } else {
    // Popen([]) fails on args[0].
    throw SpawnError::invalid_argument("IndexError", "list index out of range");
  }
  return resolved;
}

EnvironmentBlock::EnvironmentBlock(const EnvList& env) {
  size_t length = 0;
  for (const auto& variable : env) length += variable.first.size() + variable.second.size() + 2;
  text_ = std::make_unique_for_overwrite<char[]>(length);
  pointers_.reserve(env.size() + 1);
  char* cursor = text_.get();
  for (const auto& [key, value] : env) {
    pointers_.push_back(cursor);
    cursor = std::copy(key.begin(), key.end(), cursor);
    *cursor++ = '=';
    cursor = std::copy(value.begin(), value.end(), cursor);
    *cursor++ = '\0';
  }
  pointers_.push_back(nullptr);
}

EnvironmentBlock::EnvironmentBlock(const std::vector<std::string>& entries) {
  size_t length = 0;
  for (const std::string& entry : entries) length += entry.size() + 1;
  text_ = std::make_unique_for_overwrite<char[]>(length);
  pointers_.reserve(entries.size() + 1);
  char* cursor = text_.get();
  for (const std::string& entry : entries) {
    pointers_.push_back(cursor);
    cursor = std::copy(entry.begin(), entry.end(), cursor);
    *cursor++ = '\0';
  }
  pointers_.push_back(nullptr);
}

bool EnvironmentBlock::satisfies(const EnvList& env, EnvironmentRules rules) const noexcept {
  const size_t key_start = rules == EnvironmentRules::posix_spawn ? 1 : 0;
  const char* entry = text_.get();
  for (const auto& [key, value] : env) {
    const size_t length = key.size() + 1 + value.size();
    if (strnlen(entry, length) != length) return false;
    if (key.size() < key_start) return false;
    if (std::memchr(entry + key_start, '=', key.size() - key_start) != nullptr) return false;
    entry += length + 1;
  }
  return true;
}

EnvironmentBlock checked_environment(const EnvList& env, EnvironmentRules rules) {
  EnvironmentBlock block(env);
  if (!block.satisfies(env, rules)) {
    if (rules == EnvironmentRules::posix_spawn) {
      check_posix_spawn_env(env);
    } else {
      check_popen_env(env);
    }
  }
  return block;
}

int brute_force_close_limit() {
  const long open_max = sysconf(_SC_OPEN_MAX);
  return open_max > 0 && open_max < INT32_MAX ? static_cast<int>(open_max) : 256;
}

ChildPlan build_child_plan(const Command& command, const ResolvedArgs& args, std::optional<EnvironmentBlock> environment,
                           const Credentials& credentials, const StdioFds& stdio, int errpipe_read, int errpipe_write) {
  ChildPlan plan;
  plan.argv = CStringArray(args.argv);
  if (environment) {
    plan.has_env = true;
    plan.envp = std::move(*environment);
  }
  plan.exec_candidates = CStringArray(exec_candidates(args.executable, command.env));
  if (command.cwd) {
    plan.has_cwd = true;
    plan.cwd = *command.cwd;
  }
  plan.stdio = stdio;
  plan.errpipe_read = errpipe_read;
  plan.errpipe_write = errpipe_write;

  plan.fds_to_keep = command.pass_fds;
  plan.fds_to_keep.push_back(errpipe_write);
  std::sort(plan.fds_to_keep.begin(), plan.fds_to_keep.end());
  plan.fds_to_keep.erase(std::unique(plan.fds_to_keep.begin(), plan.fds_to_keep.end()), plan.fds_to_keep.end());
  plan.close_fds = command.close_fds || !command.pass_fds.empty();
  plan.close_strategy = command.close_strategy;
  plan.brute_force_limit = brute_force_close_limit();

  plan.hooks.before_close_fds = command.pre_exec.run;
  plan.hooks.context = command.pre_exec.context;

  plan.umask = command.umask;
  plan.restore_signals = command.restore_signals;
  plan.start_new_session = command.start_new_session;
  plan.process_group = static_cast<pid_t>(command.process_group);  // in range: check_process_group
  plan.credentials = credentials;
  if (credentials.groups) plan.groups = *credentials.groups;
  sigemptyset(&plan.child_sigmask);
  return plan;
}

}  // namespace spawn_core::detail
