#include "parent_state.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "confined_paths.hpp"
#include "fdconform_common/signal_names.hpp"

namespace kit {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// What a "catch" installs: the probe only sees that a handler exists.
void do_nothing_handler(int) {}

void set_disposition(int signo, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(signo, &action, nullptr);  // glibc's reserved signals refuse; they stay as they are
}

bool move_to(int fd, int target) {
  if (fd == target) return true;
  if (dup2(fd, target) < 0) return false;
  close(fd);
  return true;
}

void close_all_except(int low_limit, int keep_fd) {
  // close_range is there on every kernel this project supports (5.9+); the
  // /proc walk would need an fd of its own.
  if (keep_fd > low_limit) syscall(SYS_close_range, low_limit, keep_fd - 1, 0);
  syscall(SYS_close_range, keep_fd + 1, ~0U, 0);
}

void apply_environment(const Json& parent, const std::string& scenario_id, const PlaceholderValues& placeholders) {
  const Json* env = member(parent, "env", "scenario.parent");
  const std::string where = "scenario.parent.env";
  std::string startup = "clean";
  if (env)
    if (const Json* s = member(object_at(*env, where), "startup", where)) startup = string_at(*s, where + ".startup");
  if (startup != "clean" && startup != "keep")
    throw RequestError(fmt::format("{}.startup: expected clean or keep, got \"{}\"", where, startup));
  // keep: the environment this driver started with, which the scenario parent
  // still has (the driver never changes its own): a C++ program adds nothing at start-up.
  if (startup == "clean") {
    clearenv();
    setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
    setenv("LANG", "C", 1);
  }
  setenv("FDCONFORM_SCENARIO", scenario_id.c_str(), 1);
  if (!env) return;
  if (const Json* set = member(*env, "set", where)) {
    for (const auto& [key, value] : object_at(*set, where + ".set").items()) {
      if (key.empty() || key.find('=') != std::string::npos)
        throw RequestError(fmt::format("{}.set: \"{}\" is not a valid variable name (os.environ refuses it)", where, key));
      std::string text = substitute_placeholders(string_at(value, where + ".set." + key), placeholders);
      if (setenv(key.c_str(), text.c_str(), 1) != 0) fail("setenv");
    }
  }
  if (const Json* unset = member(*env, "unset", where))
    for (const Json& key : array_at(*unset, where + ".unset")) unsetenv(string_at(key, where + ".unset[]").c_str());
  // putenv/unsetenv change only the C environ, which is all this parent has: a C or C++
  // implementation (like CPython 3.13) hands the child the C environ when env is not replaced.
  if (const Json* put = member(*env, "putenv", where)) {
    for (const auto& [key, value] : object_at(*put, where + ".putenv").items()) {
      if (key.empty() || key.find('=') != std::string::npos)
        throw RequestError(fmt::format("{}.putenv: \"{}\" is not a valid variable name", where, key));
      std::string text = substitute_placeholders(string_at(value, where + ".putenv." + key), placeholders);
      if (setenv(key.c_str(), text.c_str(), 1) != 0) fail("setenv");
    }
  }
  if (const Json* names = member(*env, "unsetenv", where))
    for (const Json& key : array_at(*names, where + ".unsetenv")) unsetenv(string_at(key, where + ".unsetenv[]").c_str());
}

std::vector<int> close_standard_fds(const Json& parent) {
  std::vector<int> closed;
  const Json* list = member(parent, "close_std", "scenario.parent");
  if (!list) return closed;
  for (const Json& item : array_at(*list, "scenario.parent.close_std")) {
    long long fd = integer_at(item, "scenario.parent.close_std[]");
    if (fd < 0 || fd > 2) throw RequestError(fmt::format("scenario.parent.close_std: expected 0, 1 or 2, got {}", fd));
    close(static_cast<int>(fd));
    closed.push_back(static_cast<int>(fd));
  }
  return closed;
}

std::vector<int> signal_list(const Json& signals, const char* key, bool allow_unchangeable) {
  std::vector<int> numbers;
  const std::string where = std::string("scenario.parent.signals.") + key;
  const Json* list = member(signals, key, "scenario.parent.signals");
  if (!list) return numbers;
  for (const Json& item : array_at(*list, where)) {
    std::string name = string_at(item, where + "[]");
    auto number = fdconform_common::signal_number(name);
    if (!number) throw RequestError(fmt::format("{}: \"{}\" is not a signal name (SIGHUP..SIGSYS, SIGRTMIN+N, SIGRTMAX-N)", where, name));
    if (!allow_unchangeable && (*number == SIGKILL || *number == SIGSTOP))
      throw RequestError(fmt::format("{}: {} cannot be ignored, caught or defaulted", where, name));
    numbers.push_back(*number);
  }
  return numbers;
}

void apply_scenario_signals(const Json& parent) {
  const Json* signals = member(parent, "signals", "scenario.parent");
  if (!signals) return;
  object_at(*signals, "scenario.parent.signals");
  // Every list is checked before any disposition changes.
  auto ignore = signal_list(*signals, "ignore", false);
  auto catch_list = signal_list(*signals, "catch", false);
  auto defaults = signal_list(*signals, "default", false);
  auto block = signal_list(*signals, "block", true);
  for (int signo : ignore) set_disposition(signo, SIG_IGN);
  for (int signo : catch_list) set_disposition(signo, do_nothing_handler);
  for (int signo : defaults) set_disposition(signo, SIG_DFL);
  sigset_t mask;
  sigemptyset(&mask);
  for (int signo : block) sigaddset(&mask, signo);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) fail("sigprocmask");
}

void apply_parent_cwd(const Json& parent, const ResourceTable& resources, bool confined) {
  const Json* cwd = member(parent, "cwd", "scenario.parent");
  if (!cwd) return;
  std::string target = string_at(*cwd, "scenario.parent.cwd");
  if (auto dir = resources.dir_path_of(target)) target = *dir;
  change_dir_in_workdir(target, confined);
}

// Only the soft limit: a scenario parent must not give up its hard limit.
// Fds already open above the new limit stay open; that is the point (X11).
// parent.credentials, last of all (it may drop the rights the steps before
// needed): supplementary groups, then the group ids, then the user ids, each
// saved id following the effective one, as os.setgroups/os.setresgid/
// os.setresuid would be called by a program dropping privileges.
void apply_credentials(const Json& parent) {
  const Json* creds = member(parent, "credentials", "scenario.parent");
  if (!creds) return;
  const std::string where = "scenario.parent.credentials";
  object_at(*creds, where);
  auto id_of = [&](const char* key, unsigned current) -> unsigned {
    const Json* v = member(*creds, key, where);
    if (!v) return current;
    long long n = integer_at(*v, where + "." + key);
    if (n < 0 || n > 4294967294LL) throw RequestError(fmt::format("{}.{}: expected 0..4294967294, got {}", where, key, n));
    return static_cast<unsigned>(n);
  };
  if (const Json* groups = member(*creds, "groups", where)) {
    std::vector<gid_t> list;
    for (const Json& g : array_at(*groups, where + ".groups")) {
      long long n = integer_at(g, where + ".groups[]");
      if (n < 0 || n > 4294967294LL) throw RequestError(fmt::format("{}.groups: expected 0..4294967294, got {}", where, n));
      list.push_back(static_cast<gid_t>(n));
    }
    if (setgroups(list.size(), list.data()) != 0) fail("setgroups");
  }
  const gid_t gid = id_of("gid", getgid()), egid = id_of("egid", getegid());
  if (setresgid(gid, egid, egid) != 0) fail(fmt::format("setresgid({}, {}, {})", gid, egid, egid));
  const uid_t uid = id_of("uid", getuid()), euid = id_of("euid", geteuid());
  if (setresuid(uid, euid, euid) != 0) fail(fmt::format("setresuid({}, {}, {})", uid, euid, euid));
}

std::optional<long long> nofile_limit_of(const Json& parent) {
  const Json* limit = member(parent, "nofile_limit", "scenario.parent");
  if (!limit || limit->is_null()) return std::nullopt;
  long long soft = integer_at(*limit, "scenario.parent.nofile_limit");
  if (soft < 1) throw RequestError(fmt::format("scenario.parent.nofile_limit: expected a positive number, got {}", soft));
  return soft;
}

rlim_t current_soft_nofile_limit() {
  struct rlimit nofile {};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) fail("getrlimit RLIMIT_NOFILE");
  return nofile.rlim_cur;
}

// The soft limit only; fds already above it stay open (X11). The runner skips a
// scenario whose limit the machine's hard limit does not allow.
void set_soft_nofile_limit(long long soft) {
  struct rlimit nofile {};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) fail("getrlimit RLIMIT_NOFILE");
  nofile.rlim_cur = static_cast<rlim_t>(soft);
  if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) fail(fmt::format("setrlimit RLIMIT_NOFILE soft {}", soft));
}

// glibc's sigaction refuses its two internal signals (32 and 33), and a
// driver started through posix_spawn inherits them ignored: glibc's
// posix_spawn child ignores them until exec. The kernel call resets them too,
// so the scenario parent's baseline does not depend on how the driver started.
void reset_to_default_raw(int signo) {
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    unsigned long mask;
  } kernel_action{};
  kernel_action.handler = SIG_DFL;
  syscall(SYS_rt_sigaction, signo, &kernel_action, nullptr, sizeof kernel_action.mask);
}

}  // namespace

bool redirect_standard_fds(const std::string& workdir, int keep_fd) {
  const std::string base = workdir + "/parent.";
  // Opened above the standard range first, then moved, so a closed 0/1/2 in
  // the driver cannot make one file land on another's number.
  int in = open((base + "stdin").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  int out = open((base + "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  int err = open((base + "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (in < 0 || out < 0 || err < 0) return false;
  int high[3] = {fcntl(in, F_DUPFD_CLOEXEC, 3), fcntl(out, F_DUPFD_CLOEXEC, 3), fcntl(err, F_DUPFD_CLOEXEC, 3)};
  if (high[0] < 0 || high[1] < 0 || high[2] < 0) return false;
  for (int i = 0; i < 3; ++i)
    if (!move_to(high[i], i)) return false;  // dup2 leaves 0, 1, 2 inheritable
  close_all_except(3, keep_fd);
  return true;
}

void apply_baseline_signals() {
  for (int signo = 1; signo <= SIGRTMAX; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    reset_to_default_raw(signo);
  }
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
}

void apply_startup_signals(const StartupSignals& startup) {
  for (int signo : startup.ignored) set_disposition(signo, SIG_IGN);
  for (int signo : startup.caught) set_disposition(signo, do_nothing_handler);
}

PreparedParent prepare_parent(const Json& scenario, const std::string& scenario_id, const std::string& workdir,
                              const PlaceholderValues& placeholders) {
  static const Json no_parent = Json::object();
  const Json* parent_json = member(scenario, "parent", "scenario");
  const Json& parent = parent_json ? object_at(*parent_json, "scenario.parent") : no_parent;

  if (chdir(workdir.c_str()) != 0) fail(fmt::format("chdir {}", workdir));
  mode_t mask = 022;
  if (const Json* u = member(parent, "umask", "scenario.parent")) mask = octal_at(*u, "scenario.parent.umask") & 0777;
  umask(mask);
  apply_environment(parent, scenario_id, placeholders);

  PreparedParent prepared;
  prepared.closed_std = close_standard_fds(parent);
  // A limit above the current soft one is raised first, so resources may take
  // fds up to it; one at or below it is set last, so resources may sit above it.
  const std::optional<long long> nofile_limit = nofile_limit_of(parent);
  const bool raise_first = nofile_limit && static_cast<rlim_t>(*nofile_limit) > current_soft_nofile_limit();
  if (raise_first) set_soft_nofile_limit(*nofile_limit);
  const bool confined = scenario_is_confined(scenario);
  prepared.resources = create_resources(parent, confined);
  apply_scenario_signals(parent);
  apply_parent_cwd(parent, prepared.resources, confined);
  if (nofile_limit && !raise_first) set_soft_nofile_limit(*nofile_limit);
  apply_credentials(parent);
  return prepared;
}

}  // namespace kit
