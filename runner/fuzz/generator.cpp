#include "fuzz/generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace fdconform::fuzz {
namespace {

// The choices of one case, drawn from one engine seeded by (seed, case number).
class Chooser {
 public:
  Chooser(std::uint64_t seed, std::uint64_t case_number) {
    std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                           static_cast<std::uint32_t>(case_number), static_cast<std::uint32_t>(case_number >> 32)};
    engine_.seed(sequence);
  }
  // 0 .. n-1; the slight bias of a modulo does not matter for a fuzzer.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  long long between(long long low, long long high) {
    return low + static_cast<long long>(below(static_cast<std::uint64_t>(high - low + 1)));
  }
  bool percent(int p) { return below(100) < static_cast<std::uint64_t>(p); }
  // A copy: callers pick from temporary lists.
  template <typename T>
  T pick(const std::vector<T>& from) { return from[below(from.size())]; }

 private:
  std::mt19937_64 engine_;
};

using Names = std::vector<std::string>;

// Something that holds an fd in the parent: a resource, one end of a pipe, socketpair, fifo or
// connection, or (in steps) a Popen's own pipe end of an earlier spawn.
struct FdHolder {
  std::string name;
  std::optional<long long> fd;  // a fixed number, when the case gave one
  bool is_dir = false;
  bool is_path = false;          // an O_PATH file: no I/O through it
  std::string file_path;         // a file's path relative to the workdir, for cases that exec it
};

// Signals drawn from separate pools for each disposition, so no signal is given two.
const Names ignored_signals{"SIGUSR1", "SIGPIPE", "SIGCHLD", "SIGXFSZ"};
const Names caught_signals{"SIGUSR2", "SIGALRM"};
const Names defaulted_signals{"SIGINT", "SIGQUIT"};
const Names blocked_signals{"SIGHUP", "SIGTERM", "SIGRTMIN", "SIGUSR1"};

CaseNode plain_list(const Names& names) {
  CaseNode list = CaseNode::sequence();
  for (const auto& n : names) list.items.push_back(CaseNode::plain(n));
  return list;
}

// Whether `key` is a key anywhere in the tree.
bool mentions(const CaseNode& node, const std::string& key) {
  for (const auto& [k, v] : node.entries)
    if (k == key || mentions(v, key)) return true;
  for (const auto& item : node.items)
    if (mentions(item, key)) return true;
  return false;
}

class CaseBuilder {
 public:
  CaseBuilder(std::uint64_t seed, std::uint64_t case_number) : choose_(seed, case_number) {}

  CaseNode build() {
    CaseNode parent = CaseNode::mapping();
    // A limit chosen first, so fds near it can be drawn; at or below the driver's own it is set after
    // the resources are made, so they may sit above it.
    if (choose_.percent(10)) {
      nofile_limit_ = choose_.pick(std::vector<long long>{16, 32, 64, 100, 2048});
    }
    if (choose_.percent(15)) close_standard_fds(parent);
    CaseNode resources = CaseNode::sequence();
    long long count = choose_.between(0, 5);
    for (long long i = 0; i < count; ++i) resources.items.push_back(resource(i));
    if (!resources.items.empty()) parent.set("resources", std::move(resources));
    parent_settings(parent);
    if (nofile_limit_) parent.set("nofile_limit", CaseNode::number(*nofile_limit_));
    bool credentials = choose_.percent(3);
    if (credentials) parent.set("credentials", parent_credentials());

    CaseNode body = CaseNode::mapping();
    auto shape = choose_.below(100);
    CaseNode spawn;
    if (shape < 52) {
      spawn = CaseNode::mapping({{"popen", popen_call(true)}});
    } else if (shape < 67) {
      spawn = CaseNode::mapping({{"posix_spawn", posix_spawn_call(false)}});
    } else if (shape < 72) {
      spawn = CaseNode::mapping({{"posix_spawnp", posix_spawn_call(true)}});
    } else if (shape < 80) {
      spawn = CaseNode::mapping({{"fork_exec", fork_exec_call(false)}});
    } else if (shape < 84) {
      spawn = CaseNode::mapping({{"libc", libc_call()}});
      features_.push_back("libc_spawn");
    }
    // Drawn before `requires` is written: a step may pass a value only a Python caller has.
    CaseNode step_list = spawn.entries.empty() ? steps() : CaseNode();
    CaseNode requirements = CaseNode::mapping();
    if (credentials) requirements.set("root", CaseNode::boolean(true));
    if (python_values_) features_.push_back("python_values");
    if (features_.empty() || features_.front() != "libc_spawn") interfaces_used(spawn.entries.empty() ? step_list : spawn);
    if (!features_.empty()) requirements.set("features", plain_list(features_));
    if (!requirements.entries.empty()) body.set("requires", std::move(requirements));
    if (!parent.entries.empty()) body.set("parent", std::move(parent));
    if (spawn.entries.empty()) body.set("steps", std::move(step_list));
    else body.set("spawn", std::move(spawn));
    return body;
  }

 private:
  // Weighted towards the standard fds and the numbers right above them, where a child's dup2s collide,
  // and towards the numbers around a lowered or raised RLIMIT_NOFILE.
  std::optional<long long> fd_number() {
    for (int attempt = 0; attempt < 8; ++attempt) {
      long long fd;
      auto region = choose_.below(100);
      if (region < 30) return std::nullopt;  // the lowest free fd, as the kernel gives
      if (region < 48) fd = choose_.between(0, 2);
      else if (region < 76) fd = choose_.between(3, 12);
      else if (region < 88 && nofile_limit_) fd = *nofile_limit_ + choose_.between(-2, 1);
      else fd = choose_.pick(std::vector<long long>{31, 63, 64, 100, 255, 256, 511, 1000, 1022});
      if (fd == 1023 || fd < 0) continue;
      if (fd > 1023 && (!nofile_limit_ || fd >= *nofile_limit_)) continue;
      if (used_fds_.insert(fd).second) return fd;
    }
    return std::nullopt;
  }

  void fd_keys(CaseNode& node, FdHolder& holder, bool fixed_allowed = true) {
    if (fixed_allowed) {
      holder.fd = fd_number();
      if (holder.fd) node.set("fd", CaseNode::number(*holder.fd));
    }
    auto inheritable = choose_.below(3);
    if (inheritable < 2) node.set("inheritable", CaseNode::boolean(inheritable == 0));
  }

  void close_standard_fds(CaseNode& parent) {
    CaseNode closed = CaseNode::sequence();
    for (long long fd = 0; fd < 3; ++fd)
      if (choose_.percent(40)) closed.items.push_back(CaseNode::number(fd));
    if (closed.items.empty()) closed.items.push_back(CaseNode::number(choose_.between(0, 2)));
    for (const auto& fd : closed.items) closed_std_.insert(std::stoll(fd.text));
    parent.set("close_std", std::move(closed));
  }

  // Two-ended kinds: each end takes fd, inheritable and sometimes nonblock.
  void ends(CaseNode& node, const std::string& name, const Names& end_names, bool nonblock_allowed) {
    for (const std::string& end : end_names) {
      FdHolder holder{name + "." + end};
      CaseNode options = CaseNode::mapping();
      fd_keys(options, holder);
      if (nonblock_allowed && choose_.percent(10)) options.set("flags", plain_list({"nonblock"}));
      if (!options.entries.empty()) node.set(end, std::move(options));
      holders_.push_back(holder);
    }
  }

  CaseNode resource(long long index) {
    std::string name = fmt::format("r{}", index);
    static const std::vector<std::pair<std::string, int>> kinds{
        {"file", 20}, {"pipe", 16}, {"socketpair", 7}, {"eventfd", 5}, {"dir", 8}, {"devnull", 8}, {"memfd", 5},
        {"fifo", 5},  {"dup", 12},  {"tcp_listener", 3}, {"udp", 3},   {"tcp_connection", 3}};
    int total = 0;
    for (const auto& [k, w] : kinds) total += w;
    auto roll = static_cast<int>(choose_.below(static_cast<std::uint64_t>(total)));
    std::string kind;
    for (const auto& [k, w] : kinds) {
      if (roll < w) {
        kind = k;
        break;
      }
      roll -= w;
    }
    if (kind == "dup" && holders_.empty() && closed_std_.size() == 3) kind = "file";
    CaseNode node = CaseNode::mapping({{"name", CaseNode::plain(name)}, {"kind", CaseNode::plain(kind)}});
    if (kind == "pipe" || kind == "fifo") {
      ends(node, name, {"read", "write"}, true);
      return node;
    }
    if (kind == "socketpair") {
      ends(node, name, {"a", "b"}, false);
      return node;
    }
    if (kind == "tcp_connection") {
      ends(node, name, {"client", "server"}, true);
      return node;
    }
    FdHolder holder{name};
    holder.is_dir = kind == "dir";
    if (kind == "file") {
      holder.file_path = name;
      if (choose_.percent(30)) node.set("content", CaseNode::quoted(choose_.percent(80) ? "data\n" : "#!/bin/sh\n"));
      if (choose_.percent(10)) node.set("offset", CaseNode::number(choose_.between(1, 3)));
      if (choose_.percent(25)) {
        const std::string access = choose_.pick(Names{"rdonly", "wronly", "path"});
        holder.is_path = access == "path";
        node.set("access", CaseNode::plain(access));
        if (holder.is_path) node.entries.erase(std::remove_if(node.entries.begin(), node.entries.end(),
                                                              [](const auto& e) { return e.first == "offset"; }),
                                               node.entries.end());
      }
      if (!holder.is_path && choose_.percent(10))
        node.set("flags", plain_list({choose_.pick(Names{"append", "nonblock", "sync"})}));
      if (choose_.percent(10)) node.set("mode", CaseNode::quoted(choose_.pick(Names{"0755", "0600", "0444"})));
    } else if (kind == "devnull" && choose_.percent(30)) {
      node.set("access", CaseNode::plain(choose_.pick(Names{"rdonly", "wronly"})));
    } else if ((kind == "tcp_listener" || kind == "udp") && choose_.percent(15)) {
      node.set("flags", plain_list({"nonblock"}));
    } else if (kind == "dup") {
      Names sources;
      for (const auto& h : holders_) sources.push_back(h.name);
      for (long long fd = 0; fd < 3; ++fd)
        if (!closed_std_.contains(fd)) sources.push_back(std::vector<std::string>{"parent.stdin", "parent.stdout", "parent.stderr"}[static_cast<std::size_t>(fd)]);
      node.set("of", CaseNode::plain(choose_.pick(sources)));
      const std::string call = choose_.pick(Names{"dup", "dup2", "fcntl_dupfd", "fcntl_dupfd_cloexec"});
      node.set("call", CaseNode::plain(call));
      if (call == "dup2") {
        std::optional<long long> fd;
        for (int attempt = 0; attempt < 4 && !fd; ++attempt) fd = fd_number();
        if (!fd) fd = 40 + index;
        used_fds_.insert(*fd);
        holder.fd = fd;
        node.set("fd", CaseNode::number(*fd));
        if (choose_.percent(30)) node.set("inheritable", CaseNode::boolean(choose_.percent(50)));
      } else {
        if (call != "dup" && choose_.percent(60)) node.set("min_fd", CaseNode::number(choose_.pick(std::vector<long long>{0, 3, 10, 20})));
        fd_keys(node, holder, false);
      }
      holders_.push_back(holder);
      return node;
    }
    fd_keys(node, holder);
    holders_.push_back(holder);
    return node;
  }

  void parent_settings(CaseNode& parent) {
    if (choose_.percent(20)) parent.set("umask", CaseNode::quoted(choose_.pick(Names{"000", "077", "027"})));
    if (auto dir = pick_dir(); dir && choose_.percent(30)) parent.set("cwd", CaseNode::plain(*dir));
    if (choose_.percent(20)) {
      CaseNode env = CaseNode::mapping();
      if (choose_.percent(60)) {
        CaseNode set = CaseNode::mapping({{"FUZZ_VALUE", CaseNode::quoted("1")}});
        if (choose_.percent(35)) {
          set.set("PATH", CaseNode::quoted("{probe_dir}:/usr/bin:/bin"));
          probe_on_parent_path_ = true;
        }
        env.set("set", std::move(set));
      }
      if (choose_.percent(25)) env.set("unset", plain_list({"LANG"}));
      if (choose_.percent(25)) env.set("putenv", CaseNode::mapping({{"FUZZ_C_ONLY", CaseNode::quoted("c")}}));
      if (choose_.percent(20)) env.set("unsetenv", plain_list({choose_.pick(Names{"LANG", "FUZZ_VALUE"})}));
      if (!env.entries.empty()) parent.set("env", std::move(env));
    }
    if (choose_.percent(30)) {
      CaseNode signals = CaseNode::mapping();
      std::set<std::string> given;
      auto draw = [&](const char* key, const Names& pool, int p) {
        if (!choose_.percent(p)) return;
        const std::string s = choose_.pick(pool);
        if (!given.insert(s).second) return;
        signals.set(key, plain_list({s}));
      };
      draw("ignore", ignored_signals, 50);
      draw("catch", caught_signals, 40);
      draw("default", defaulted_signals, 20);
      draw("block", blocked_signals, 50);
      if (!signals.entries.empty()) parent.set("signals", std::move(signals));
    }
  }

  CaseNode parent_credentials() {
    switch (choose_.below(4)) {
      case 0: return CaseNode::mapping({{"groups", CaseNode::sequence({CaseNode::number(65534)})}});
      case 1: return CaseNode::mapping({{"egid", CaseNode::number(65534)}});
      case 2: return CaseNode::mapping({{"gid", CaseNode::number(65534)}, {"egid", CaseNode::number(65534)}});
      default: return CaseNode::mapping({{"euid", CaseNode::number(65534)}});
    }
  }

  std::optional<std::string> pick_dir() {
    Names dirs;
    for (const auto& h : holders_)
      if (h.is_dir) dirs.push_back(h.name);
    if (dirs.empty()) return std::nullopt;
    return choose_.pick(dirs);
  }

  // A holder that is not a directory, for stdio and pass_fds.
  const FdHolder* pick_holder(bool dirs_too) {
    std::vector<const FdHolder*> usable;
    for (const auto& h : holders_)
      if (dirs_too || !h.is_dir) usable.push_back(&h);
    if (usable.empty()) return nullptr;
    return choose_.pick(usable);
  }

  // A stdio target. Often one that already sits on the stream's own fd, or the target another stream
  // uses too: the regions where a child's moves of fds 0-2 go wrong.
  CaseNode stream(long long standard_fd) {
    auto region = choose_.below(100);
    if (region < 25) return CaseNode::plain("inherit");
    if (region < 40) return CaseNode::plain("pipe");
    if (region < 50) return CaseNode::plain("devnull");
    if (region < 55 && standard_fd == 2) return CaseNode::plain("stdout");
    if (region < 80 && !holders_.empty()) {
      std::vector<const FdHolder*> on_own_fd;
      for (const auto& h : holders_)
        if (h.fd == standard_fd && !h.is_dir) on_own_fd.push_back(&h);
      const FdHolder* chosen = !on_own_fd.empty() && choose_.percent(50) ? choose_.pick(on_own_fd)
                                                                         : &holders_[choose_.below(holders_.size())];
      if (!chosen->is_dir) {
        last_stream_target_ = chosen->name;
        return CaseNode::mapping({{"resource", CaseNode::plain(chosen->name)}});
      }
    }
    if (!last_stream_target_.empty() && choose_.percent(40))
      return CaseNode::mapping({{"resource", CaseNode::plain(last_stream_target_)}});
    if (choose_.percent(3)) return CaseNode::mapping({{"fd", CaseNode::number(choose_.between(-9, -4))}});
    long long fd = choose_.percent(60) ? choose_.between(0, 2) : choose_.pick(std::vector<long long>{3, 4, 5, 9});
    return CaseNode::mapping({{"fd", CaseNode::number(fd)}});
  }

  // A flag in one of its forms: a bool mostly, sometimes (wrong on purpose) a str or None.
  CaseNode flag(bool value) {
    auto form = choose_.below(100);
    if (form < 94) return CaseNode::boolean(value);
    if (form < 96) return CaseNode::mapping({{"str", CaseNode::quoted(value ? "yes" : "")}});
    if (form < 98) return CaseNode::mapping({{"none", CaseNode::boolean(true)}});
    return python_value(CaseNode::mapping({{"int_like", CaseNode::number(value ? 1 : 0)}}));
  }

  // A value only a Python caller can pass: the case then requires the python_values feature.
  CaseNode python_value(CaseNode value) {
    python_values_ = true;
    return value;
  }

  // spawn.libc: one C library primitive by its own name, the probe mostly, sometimes a program that
  // cannot run or is not found on PATH; popen with the mode strings the libraries disagree on.
  CaseNode libc_call() {
    static const Names calls{"execve", "execvp", "posix_spawn", "posix_spawnp", "system", "popen"};
    const std::string call = choose_.pick(calls);
    CaseNode block = CaseNode::mapping({{"call", CaseNode::plain(call)}});
    if (call == "system" || call == "popen") {
      const long long exit_status = choose_.pick(std::vector<long long>{0, 0, 3});
      block.set("command", CaseNode::quoted(exit_status == 0 ? "{probe}" : fmt::format("{{probe}} --exit={}", exit_status)));
      if (call == "popen") block.set("mode", CaseNode::quoted(choose_.pick(Names{"r", "w", "re", "we", "r+", "rw", "x", ""})));
      return block;
    }
    const bool searches = call == "execvp" || call == "posix_spawnp";
    auto region = choose_.below(100);
    std::string file = "{probe}";
    if (region < 10) file = "{workdir}/missing";
    else if (region < 15) {
      if (auto dir = pick_dir()) file = "{workdir}/" + *dir;
    } else if (region < 35 && searches) {
      file = "fdconform-probe";  // found when the parent's PATH has {probe_dir}, not found otherwise
    }
    block.set("file", CaseNode::quoted(file));
    block.set("argv", CaseNode::sequence({CaseNode::quoted(file)}));
    return block;
  }

  // What a spawn runs: the probe mostly; by construction sometimes a program that cannot run (missing,
  // a directory, a file of the case without or with the execute bit), or the probe found on PATH.
  void program(CaseNode& call, const std::string& kind) {
    auto region = choose_.below(100);
    std::optional<std::string> path;
    if (region < 4) {
      path = "{workdir}/missing";
    } else if (region < 7) {
      if (auto dir = pick_dir()) path = "{workdir}/" + *dir;
    } else if (region < 10) {
      for (const auto& h : holders_)
        if (!h.file_path.empty()) path = "{workdir}/" + h.file_path;
    } else if (region < 16 && (kind == "posix_spawnp" || kind == "popen")) {
      // A bare name: searched on PATH by posix_spawnp and by Popen (in env's PATH when env is given).
      path = "fdconform-probe";
    }
    if (!path) {
      if (kind == "posix_spawnp") path = "{probe}";
      else return;
    }
    if (kind == "popen") {
      if (choose_.percent(30) && *path != "fdconform-probe") call.set("executable", CaseNode::quoted(*path));
      else call.set("argv", CaseNode::sequence({CaseNode::quoted(*path)}));
      if (*path == "fdconform-probe" && !probe_on_parent_path_)
        call.set("env", CaseNode::mapping({{"PATH", CaseNode::quoted("{probe_dir}:/usr/bin:/bin")}}));
    } else {
      call.set("path", CaseNode::quoted(*path));
      call.set("argv", CaseNode::sequence({CaseNode::quoted(*path)}));
    }
  }

  // The steps of a fork_exec child or a preexec_fn: fd moves on the case's holders.
  CaseNode child_steps(bool preexec) {
    CaseNode list = CaseNode::sequence();
    long long count = choose_.between(preexec ? 0 : 1, 3);
    for (long long i = 0; i < count; ++i) {
      const FdHolder* holder = pick_holder(true);
      auto kind = choose_.below(preexec ? 8 : 3);
      if (!holder && kind < 3) kind = preexec ? 3 : 99;
      if (kind == 99) break;
      switch (kind) {
        case 0:
          list.items.push_back(CaseNode::mapping(
              {{"set_inheritable", CaseNode::mapping({{"fd", CaseNode::plain(holder->name)},
                                                      {"value", CaseNode::boolean(choose_.percent(60))}})}}));
          break;
        case 1: {
          CaseNode dup2 = CaseNode::mapping({{"fd", CaseNode::plain(holder->name)},
                                             {"to", CaseNode::number(choose_.percent(50) ? choose_.between(0, 2)
                                                                                         : choose_.between(3, 12))}});
          if (choose_.percent(25)) dup2.set("inheritable", CaseNode::boolean(false));
          list.items.push_back(CaseNode::mapping({{"dup2", std::move(dup2)}}));
          break;
        }
        case 2:
          list.items.push_back(CaseNode::mapping({{"close", CaseNode::plain(holder->name)}}));
          break;
        case 3:
        case 4:
          list.items.push_back(CaseNode::mapping(
              {{"signal", CaseNode::mapping({{"name", CaseNode::plain(choose_.pick(Names{"SIGUSR1", "SIGPIPE", "SIGTERM"}))},
                                             {"action", CaseNode::plain(choose_.pick(Names{"ignore", "default"}))}})}}));
          break;
        case 5: {
          CaseNode open = CaseNode::mapping({{"path", CaseNode::plain(fmt::format("preexec{}.txt", i))},
                                             {"flags", plain_list({"wronly", "creat"})}});
          if (choose_.percent(70)) open.set("fd", CaseNode::number(choose_.between(0, 9)));
          list.items.push_back(CaseNode::mapping({{"open", std::move(open)}}));
          break;
        }
        case 6:
          list.items.push_back(CaseNode::mapping({{"exit", CaseNode::number(choose_.pick(std::vector<long long>{0, 4}))}}));
          i = count;
          break;
        default:
          list.items.push_back(CaseNode::mapping({{"raise", CaseNode::boolean(true)}}));
          i = count;
      }
    }
    return list;
  }

  CaseNode popen_call(bool full) {
    CaseNode popen = CaseNode::mapping();
    static const Names streams{"stdin", "stdout", "stderr"};
    for (long long fd = 0; fd < 3; ++fd)
      if (choose_.percent(45)) popen.set(streams[static_cast<std::size_t>(fd)], stream(fd));
    if (choose_.percent(50)) popen.set("close_fds", CaseNode::boolean(choose_.percent(70)));
    if (choose_.percent(45)) popen.set("pass_fds", pass_fds());
    if (auto dir = pick_dir(); dir && choose_.percent(30)) popen.set("cwd", CaseNode::plain(*dir));
    else if (choose_.percent(2)) popen.set("cwd", CaseNode::plain("missing"));
    if (choose_.percent(10))
      popen.set("env", CaseNode::mapping({{"FUZZ_CHILD", CaseNode::quoted("x")}, {"PATH", CaseNode::quoted("/usr/bin:/bin")}}));
    if (!full) return popen;
    program(popen, "popen");
    if (choose_.percent(15)) popen.set("start_new_session", flag(true));
    if (choose_.percent(10)) popen.set("restore_signals", flag(false));
    if (choose_.percent(5))
      popen.set("process_group", choose_.percent(80)  ? CaseNode::number(0)
                                 : choose_.percent(50) ? CaseNode::number(choose_.pick(std::vector<long long>{2147483648LL, 4294967296LL}))
                                                       : python_value(CaseNode::mapping({{"int_like", CaseNode::number(0)}})));
    if (choose_.percent(10)) {
      auto form = choose_.below(100);
      popen.set("umask", form < 85   ? CaseNode::quoted("077")
                         : form < 90 ? python_value(CaseNode::mapping({{"str", CaseNode::quoted("077")}}))
                         : form < 95 ? python_value(CaseNode::mapping({{"none", CaseNode::boolean(true)}}))
                                     : python_value(CaseNode::mapping({{"int_like", CaseNode::number(63)}})));
    }
    // Popen's whole args as one os.PathLike: the probe then reports on its stdout, which must be a pipe.
    if (choose_.percent(1) && !popen.find("argv") && !popen.find("executable")) {
      popen.set("argv", python_value(CaseNode::mapping({{"pathlike", CaseNode::quoted("{probe}")}})));
      popen.set("stdout", CaseNode::plain("pipe"));
    }
    if (choose_.percent(5)) {
      auto which = choose_.below(4);
      if (which == 0 || which == 3) popen.set("user", choose_.percent(80) ? CaseNode::number(65534) : CaseNode::plain("nobody"));
      if (which == 1 || which == 3) popen.set("group", CaseNode::number(65534));
      if (which == 2 || which == 3)
        popen.set("extra_groups", choose_.percent(50) ? CaseNode::sequence() : CaseNode::sequence({CaseNode::number(65534)}));
    }
    if (choose_.percent(3)) popen.set("pipesize", CaseNode::number(choose_.pick(std::vector<long long>{4096, 131072})));
    if (choose_.percent(10)) popen.set("preexec", child_steps(true));
    if (choose_.percent(5)) popen.set("close_strategy", CaseNode::plain(choose_.pick(Names{"close_range", "proc_self_fd", "brute_force"})));
    return popen;
  }

  // An fd for a file action: a resource (by name or its fixed number), a standard fd, or a number
  // nothing sits on.
  CaseNode action_fd() {
    auto region = choose_.below(100);
    if (region < 40 && !holders_.empty()) return CaseNode::plain(choose_.pick(holders_).name);
    if (region < 70) return CaseNode::number(choose_.between(0, 2));
    return CaseNode::number(choose_.between(3, 12));
  }

  // os.posix_spawn(p) with file actions in any order: opens onto low and taken fds, closes, dup2s onto
  // the standard fds and onto the source itself, closefrom.
  CaseNode posix_spawn_call(bool search_path) {
    CaseNode call = CaseNode::mapping();
    program(call, search_path ? "posix_spawnp" : "posix_spawn");
    CaseNode actions = CaseNode::sequence();
    long long count = choose_.between(0, 4);
    for (long long i = 0; i < count; ++i) {
      switch (choose_.below(4)) {
        case 0: {
          static const std::vector<Names> flag_sets{{"rdwr", "creat"},
                                                    {"wronly", "creat", "trunc"},
                                                    {"rdwr", "creat", "cloexec"},
                                                    {"wronly", "creat", "append"},
                                                    {"rdonly"},
                                                    {"wronly", "creat", "excl"}};
          const Names flags = choose_.pick(flag_sets);
          // rdonly of a file no action made yet: ENOENT in the child, an error case by construction.
          actions.items.push_back(CaseNode::mapping(
              {{"open", CaseNode::mapping({{"fd", CaseNode::number(choose_.percent(50) ? choose_.between(0, 2)
                                                                                        : choose_.between(3, 12))},
                                           {"path", CaseNode::plain(fmt::format("action{}.txt", choose_.below(2)))},
                                           {"flags", plain_list(flags)},
                                           {"mode", CaseNode::quoted("0644")}})}}));
          break;
        }
        case 1:
          actions.items.push_back(CaseNode::mapping({{"close", action_fd()}}));
          break;
        case 2: {
          CaseNode source = action_fd();
          CaseNode target = choose_.percent(25) ? source : CaseNode::number(choose_.between(0, 4));
          if (target.text.find_first_not_of("0123456789") != std::string::npos) target = CaseNode::number(choose_.between(0, 4));
          actions.items.push_back(CaseNode::mapping({{"dup2", CaseNode::sequence({std::move(source), std::move(target)})}}));
          break;
        }
        default:
          actions.items.push_back(CaseNode::mapping({{"closefrom", CaseNode::number(choose_.between(3, 5))}}));
      }
    }
    if (!actions.items.empty()) call.set("file_actions", std::move(actions));
    if (choose_.percent(10))
      call.set("env", choose_.percent(85) ? CaseNode::mapping({{"FUZZ_CHILD", CaseNode::quoted("x")}})
                                          : python_value(CaseNode::mapping({{"none", CaseNode::boolean(true)}})));
    if (choose_.percent(15)) call.set("setsid", flag(true));
    if (choose_.percent(10))
      call.set("setpgroup", choose_.percent(85) ? CaseNode::number(0)
                                                : python_value(CaseNode::mapping({{"int_like", CaseNode::number(0)}})));
    if (choose_.percent(15)) {
      auto form = choose_.below(100);
      // Signal numbers as they are, out of range on purpose sometimes: how each caller refuses them.
      call.set("setsigmask", form < 45   ? CaseNode::sequence()
                             : form < 90 ? plain_list({choose_.pick(Names{"SIGUSR1", "SIGHUP", "SIGTERM"})})
                                         : CaseNode::sequence({CaseNode::number(choose_.pick(std::vector<long long>{10, 0, 65, -1}))}));
    }
    if (choose_.percent(15)) call.set("setsigdef", plain_list({choose_.pick(Names{"SIGPIPE", "SIGUSR1", "SIGCHLD"})}));
    if (choose_.percent(10)) call.set("resetids", flag(true));
    if (choose_.percent(3))
      call.set("scheduler", CaseNode::mapping({{"policy", choose_.percent(50) ? CaseNode::plain("null") : CaseNode::plain("SCHED_OTHER")},
                                               {"priority", CaseNode::number(0)}}));
    return call;
  }

  CaseNode fork_exec_call(bool nested_spawn_allowed) {
    CaseNode steps = child_steps(false);
    if (nested_spawn_allowed && choose_.percent(20))
      steps.items.push_back(CaseNode::mapping(
          {{"spawn", CaseNode::mapping({{"name", CaseNode::plain(fmt::format("s{}", spawn_count_++))},
                                        {"popen", CaseNode::mapping({{"close_fds", CaseNode::boolean(choose_.percent(50))}})}})}}));
    CaseNode call = CaseNode::mapping();
    if (!steps.items.empty()) call.set("steps", std::move(steps));
    return call;
  }

  // A named spawn step of a steps scenario; a popen with pipes leaves them as holders for later steps.
  CaseNode spawn_step(bool in_together, std::vector<std::string>& popen_names, Names& spawn_names,
                      std::vector<FdHolder>& pipes_after) {
    const std::string name = fmt::format("s{}", spawn_count_++);
    CaseNode spawn = CaseNode::mapping({{"name", CaseNode::plain(name)}});
    auto kind = choose_.below(100);
    if (kind < 60 || in_together) {
      CaseNode popen = popen_call(false);
      if (in_together) {
        // Threads run in no known order: a child in one must not see what another thread has open for a
        // moment (a sibling's pipes, a churned fd), so it closes every fd but its pass_fds, and its
        // streams stay away from the shared holders. posix_spawn and fork_exec close nothing.
        for (const char* key : {"stdin", "stdout", "stderr", "cwd", "close_fds"})
          popen.entries.erase(std::remove_if(popen.entries.begin(), popen.entries.end(),
                                             [&](const auto& e) { return e.first == key; }),
                              popen.entries.end());
        // A number above 2, a standard fd the case closed or a name the parent closed names whatever
        // another thread holds there at that moment.
        if (CaseNode* passed = popen.find("pass_fds")) {
          std::erase_if(passed->items, [&](const CaseNode& item) {
            if (item.text.find_first_not_of("0123456789") != std::string::npos) return closed_holders_.contains(item.text);
            const long long fd = std::stoll(item.text);
            return fd > 2 || closed_std_.contains(fd);
          });
          if (passed->items.empty())
            popen.entries.erase(std::remove_if(popen.entries.begin(), popen.entries.end(),
                                               [](const auto& e) { return e.first == "pass_fds"; }),
                                popen.entries.end());
        }
        // Never a pipe: its parent end would stay open after the together step, on a number that
        // depends on the threads' order, and every later fd number and parent_after listing with it.
        // devnull only while the standard fds are all open and no parent step closed a name, which may
        // have sat on one: otherwise it may land on 0 to 2 or above, as the other threads' fds allow,
        // and that number decides whether 3.13 takes posix_spawn.
        if (closed_std_.empty() && closed_holders_.empty() && choose_.percent(40))
          popen.set("stdout", CaseNode::plain("devnull"));
      }
      // The fd numbers a pipe made in a thread takes depend on what the other threads hold at that
      // moment: later steps name only the pipes of spawns made outside a together.
      for (const char* stream : {"stdin", "stdout", "stderr"})
        if (const CaseNode* target = popen.find(stream); !in_together && target && target->text == "pipe")
          pipes_after.push_back(FdHolder{name + "." + stream});
      spawn.set("popen", std::move(popen));
      popen_names.push_back(name);
    } else if (kind < 80) {
      spawn.set("posix_spawn", posix_spawn_call(false));
    } else {
      spawn.set("fork_exec", fork_exec_call(!in_together));
    }
    spawn_names.push_back(name);
    return CaseNode::mapping({{"spawn", std::move(spawn)}});
  }

  CaseNode parent_step() {
    const FdHolder* holder = pick_holder(true);
    if (!holder || choose_.percent(15))
      return CaseNode::mapping({{"parent", CaseNode::mapping({{"churn", CaseNode::mapping({{"count", CaseNode::number(20)},
                                                                                          {"inheritable", CaseNode::boolean(false)}})}})}});
    CaseNode call;
    switch (choose_.below(4)) {
      case 0:
        call = CaseNode::mapping({{"close", CaseNode::plain(holder->name)}});
        closed_holders_.insert(holder->name);
        break;
      case 1:
        call = CaseNode::mapping({{"set_inheritable", CaseNode::mapping({{"fd", CaseNode::plain(holder->name)},
                                                                         {"value", CaseNode::boolean(choose_.percent(50))}})}});
        break;
      case 2: call = CaseNode::mapping({{"get_inheritable", CaseNode::plain(holder->name)}}); break;
      default:
        call = CaseNode::mapping({{"dup2", CaseNode::mapping({{"fd", CaseNode::plain(holder->name)},
                                                              {"to", CaseNode::number(choose_.between(3, 12))}})}});
    }
    return CaseNode::mapping({{"parent", std::move(call)}});
  }

  // 2 to 5 steps: named spawns of each kind, Popen calls and waits on earlier ones, parent calls between
  // them, and sometimes a together step of two or three entries.
  CaseNode steps() {
    CaseNode list = CaseNode::sequence();
    std::vector<std::string> popen_names, spawn_names;
    std::set<std::string> waited;
    long long count = choose_.between(2, 5);
    bool together_used = false;
    for (long long i = 0; i < count && spawn_count_ < 7; ++i) {
      std::vector<FdHolder> pipes_after;
      auto kind = choose_.below(100);
      if (i == 0 || kind < 45) {
        list.items.push_back(spawn_step(false, popen_names, spawn_names, pipes_after));
      } else if (kind < 60 && !spawn_names.empty()) {
        std::vector<std::string> open;
        for (const auto& n : spawn_names)
          if (!waited.contains(n)) open.push_back(n);
        if (open.empty()) continue;
        const std::string n = choose_.pick(open);
        bool is_popen = std::find(popen_names.begin(), popen_names.end(), n) != popen_names.end();
        if (is_popen && choose_.percent(60))
          list.items.push_back(CaseNode::mapping({{"call", CaseNode::mapping({{"child", CaseNode::plain(n)},
                                                                               {"method", CaseNode::plain(choose_.pick(Names{"poll", "wait", "communicate", "returncode"}))}})}}));
        else
          list.items.push_back(CaseNode::mapping({{"wait", CaseNode::plain(n)}}));
        waited.insert(n);
        // Waiting or calling may close the Popen's pipe ends, and a driver forgets their names then.
        std::erase_if(holders_, [&](const FdHolder& h) { return h.name.starts_with(n + "."); });
        if (last_stream_target_.starts_with(n + ".")) last_stream_target_.clear();
      } else if (kind < 75) {
        list.items.push_back(parent_step());
      } else if (!together_used) {
        together_used = true;
        CaseNode entries = CaseNode::sequence();
        long long n = choose_.between(2, 3);
        for (long long j = 0; j < n; ++j) {
          if (j == 0 || (spawn_count_ < 8 && choose_.percent(60))) entries.items.push_back(spawn_step(true, popen_names, spawn_names, pipes_after));
          else entries.items.push_back(CaseNode::mapping({{"parent", CaseNode::mapping({{"churn", CaseNode::mapping(
              {{"count", CaseNode::number(50)}, {"inheritable", CaseNode::boolean(false)}})}})}}));
        }
        list.items.push_back(CaseNode::mapping({{"together", std::move(entries)}}));
      } else {
        list.items.push_back(spawn_step(false, popen_names, spawn_names, pipes_after));
      }
      // A spawn's pipe ends are holders for the steps after it, not for its together siblings.
      for (auto& h : pipes_after) holders_.push_back(std::move(h));
    }
    return list;
  }

  // Names and numbers, unsorted, sometimes twice, sometimes a standard fd, rarely (wrong on purpose) a
  // negative number.
  CaseNode pass_fds() {
    CaseNode list = CaseNode::sequence();
    long long count = choose_.between(1, 4);
    for (long long i = 0; i < count; ++i) {
      auto region = choose_.below(100);
      if (region < 55 && !holders_.empty()) {
        list.items.push_back(CaseNode::plain(choose_.pick(holders_).name));
      } else if (region < 70 && !list.items.empty()) {
        list.items.push_back(list.items[choose_.below(list.items.size())]);
      } else if (region < 84) {
        list.items.push_back(CaseNode::number(choose_.between(0, 2)));
      } else if (region < 86) {
        list.items.push_back(CaseNode::number(-1));
      } else {
        std::vector<long long> numbers(used_fds_.begin(), used_fds_.end());
        list.items.push_back(CaseNode::number(numbers.empty() ? 3 : choose_.pick(numbers)));
      }
    }
    return list;
  }

  Chooser choose_;
  std::set<long long> used_fds_;
  std::set<long long> closed_std_;
  std::set<std::string> closed_holders_;  // names a parent close step closed
  std::vector<FdHolder> holders_;
  std::string last_stream_target_;
  std::optional<long long> nofile_limit_;
  bool probe_on_parent_path_ = false;
  bool python_values_ = false;
  Names features_;
  int spawn_count_ = 0;

  // The interfaces the case's spawns call, as the features of docs/FEATURES.md, as a corpus scenario
  // declares them: a column that lacks one (os.posix_spawn before 3.8, process_group before 3.11)
  // skips the case, where it would otherwise fail before any spawn, a difference of API, not of
  // what a child inherits.
  void interfaces_used(const CaseNode& spawns) {
    auto need = [&](const char* feature) {
      if (std::find(features_.begin(), features_.end(), feature) == features_.end()) features_.push_back(feature);
    };
    if (mentions(spawns, "posix_spawn") || mentions(spawns, "posix_spawnp")) need("posix_spawn");
    if (mentions(spawns, "closefrom")) need("posix_spawn_closefrom");
    if (mentions(spawns, "process_group")) need("process_group");
    if (mentions(spawns, "umask")) need("umask");
    if (mentions(spawns, "user") || mentions(spawns, "group") || mentions(spawns, "extra_groups")) need("user_group");
    if (mentions(spawns, "pipesize")) need("pipesize");
  }
};


}  // namespace

CaseNode generate_case(std::uint64_t seed, std::uint64_t case_number) { return CaseBuilder(seed, case_number).build(); }

std::string case_id(std::uint64_t seed, std::uint64_t case_number) { return fmt::format("fuzz-{}-{}", seed, case_number); }

std::vector<std::string> covered_items(const CaseNode& body) {
  std::vector<std::string> items;
  auto add = [&](const char* item) {
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
  };
  const CaseNode* spawn = body.find("spawn");
  const CaseNode* popen = spawn ? spawn->find("popen") : nullptr;
  if (spawn && (spawn->find("posix_spawn") || spawn->find("posix_spawnp"))) {
    // The posix_spawn path and its file actions; closefrom is the close-from-3 action of 3.13.
    add("F12");
    if (mentions(body, "closefrom")) add("X6");
  } else if (popen) {
    const CaseNode* close_fds = popen->find("close_fds");
    add(close_fds && close_fds->text == "false" ? "X1" : "X2");
    for (const char* stream : {"stdin", "stdout", "stderr"})
      if (popen->find(stream)) add("P10");
  } else {
    // fork_exec blocks and steps: what the children hold depends on the close-on-exec flags.
    add(mentions(body, "close_fds") ? "X2" : "X1");
  }
  if (mentions(body, "pass_fds")) add("X7");
  if (mentions(body, "close_std")) add("F9");
  if (mentions(body, "preexec")) add("C17");
  if (mentions(body, "nofile_limit")) add("X11");
  if (mentions(body, "extra_groups")) add("U2");
  if (mentions(body, "process_group")) add("G3");
  if (mentions(body, "catch")) add("S6");
  return items;
}

}  // namespace fdconform::fuzz
