#include "argument_checks.hpp"

#include <climits>

#include <fmt/format.h>

#include "spawn_core/spawn_error.hpp"

namespace spawn_core::detail {

namespace {

[[noreturn]] void value_error(std::string message) {
  throw SpawnError::invalid_argument("ValueError", std::move(message));
}

}  // namespace

void require_no_nul(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) value_error("embedded null byte");
}

void check_popen_env_keys(const EnvList& env) {
  for (const auto& [key, value] : env) {
    if (key.find('=') != std::string::npos) value_error("illegal environment variable name");
  }
}

void check_popen_env(const EnvList& env) {
  // subprocess.py checks '=' for every key first, then C converts (NUL).
  check_popen_env_keys(env);
  for (const auto& [key, value] : env) {
    require_no_nul(key);
    require_no_nul(value);
  }
}

void check_posix_spawn_env(const EnvList& env) {
  for (const auto& [key, value] : env) {
    require_no_nul(key);
    require_no_nul(value);
    if (key.empty() || key.find('=', 1) != std::string::npos) value_error("illegal environment variable name");
  }
}

void check_posix_spawn_argv(std::string_view function, const std::vector<std::string>& argv) {
  if (argv.empty()) value_error(fmt::format("{}: argv must not be empty", function));
  for (const auto& arg : argv) require_no_nul(arg);
  if (argv[0].empty()) value_error(fmt::format("{}: argv first element cannot be empty", function));
}

void check_command(const Command& command) {
  // Popen.__init__ (3.13, gh-98966) rejects it for stdout only; stdin=STDOUT
  // goes through as fd -2 (see Stdio::Kind::to_stdout).
  if (command.stdout_stream.kind == Stdio::Kind::to_stdout) value_error("STDOUT can only be used for stderr");
}

void check_fds_to_keep(const std::vector<int>& pass_fds) {
  // fork_exec's _sanity_check_python_fd_sequence: non-negative fds only.
  for (int fd : pass_fds) {
    if (fd < 0) value_error("bad value(s) in fds_to_keep");
  }
}

void check_process_group(long long process_group) {
  if (process_group < INT_MIN || process_group > INT_MAX)
    throw SpawnError::invalid_argument("OverflowError", "Python int too large to convert to C int");
}

}  // namespace spawn_core::detail
