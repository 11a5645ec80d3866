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
  template <typename T>
  const T& pick(const std::vector<T>& from) { return from[below(from.size())]; }

 private:
  std::mt19937_64 engine_;
};

// Something that holds an fd in the parent: a resource, or one end of a pipe or socketpair.
struct FdHolder {
  std::string name;
  std::optional<long long> fd;  // a fixed number, when the case gave one
  bool is_dir = false;
};

class CaseBuilder {
 public:
  CaseBuilder(std::uint64_t seed, std::uint64_t case_number) : choose_(seed, case_number) {}

  CaseNode build() {
    CaseNode parent = CaseNode::mapping();
    if (choose_.percent(15)) close_standard_fds(parent);
    CaseNode resources = CaseNode::sequence();
    long long count = choose_.between(0, 5);
    for (long long i = 0; i < count; ++i) resources.items.push_back(resource(i));
    if (!resources.items.empty()) parent.set("resources", std::move(resources));
    parent_settings(parent);

    CaseNode body = CaseNode::mapping();
    if (!parent.entries.empty()) body.set("parent", std::move(parent));
    if (choose_.percent(30)) {
      CaseNode call = CaseNode::mapping();
      posix_spawn_settings(call);
      body.set("spawn", CaseNode::mapping({{"posix_spawn", std::move(call)}}));
    } else {
      CaseNode popen = CaseNode::mapping();
      popen_settings(popen);
      body.set("spawn", CaseNode::mapping({{"popen", std::move(popen)}}));
    }
    return body;
  }

 private:
  // Weighted towards the standard fds and the numbers right above them, where a child's dup2s collide.
  std::optional<long long> fd_number() {
    for (int attempt = 0; attempt < 8; ++attempt) {
      long long fd;
      auto region = choose_.below(100);
      if (region < 35) return std::nullopt;  // the lowest free fd, as the kernel gives
      if (region < 55) fd = choose_.between(0, 2);
      else if (region < 85) fd = choose_.between(3, 12);
      else fd = choose_.pick(std::vector<long long>{31, 63, 64, 100, 255, 256, 511, 1000, 1022});
      if (used_fds_.insert(fd).second) return fd;
    }
    return std::nullopt;
  }

  void fd_keys(CaseNode& node, FdHolder& holder) {
    holder.fd = fd_number();
    if (holder.fd) node.set("fd", CaseNode::number(*holder.fd));
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

  CaseNode resource(long long index) {
    std::string name = fmt::format("r{}", index);
    static const std::vector<std::string> kinds{"file", "pipe", "socketpair", "eventfd", "dir", "devnull"};
    const std::string& kind = choose_.pick(kinds);
    CaseNode node = CaseNode::mapping({{"name", CaseNode::plain(name)}, {"kind", CaseNode::plain(kind)}});
    if (kind == "pipe" || kind == "socketpair") {
      for (const std::string& end : kind == "pipe" ? std::vector<std::string>{"read", "write"}
                                                  : std::vector<std::string>{"a", "b"}) {
        FdHolder holder{name + "." + end, std::nullopt};
        CaseNode options = CaseNode::mapping();
        fd_keys(options, holder);
        if (!options.entries.empty()) node.set(end, std::move(options));
        holders_.push_back(holder);
      }
      return node;
    }
    FdHolder holder{name, std::nullopt, kind == "dir"};
    if (kind == "file" && choose_.percent(30)) node.set("content", CaseNode::quoted("data\n"));
    if (kind == "file" && choose_.percent(20))
      node.set("access", CaseNode::plain(choose_.pick(std::vector<std::string>{"rdonly", "wronly"})));
    fd_keys(node, holder);
    holders_.push_back(holder);
    return node;
  }

  void parent_settings(CaseNode& parent) {
    if (choose_.percent(20)) parent.set("umask", CaseNode::quoted(choose_.pick(std::vector<std::string>{"000", "077", "027"})));
    std::vector<const FdHolder*> dirs;
    for (const auto& h : holders_)
      if (h.is_dir) dirs.push_back(&h);
    if (!dirs.empty() && choose_.percent(30)) parent.set("cwd", CaseNode::plain(choose_.pick(dirs)->name));
    if (choose_.percent(15))
      parent.set("env", CaseNode::mapping({{"set", CaseNode::mapping({{"FUZZ_VALUE", CaseNode::quoted("1")}})}}));
    if (choose_.percent(25)) {
      CaseNode signals = CaseNode::mapping();
      if (choose_.percent(60))
        signals.set("ignore", CaseNode::sequence({CaseNode::plain(choose_.pick(std::vector<std::string>{"SIGUSR1", "SIGPIPE", "SIGHUP"}))}));
      if (choose_.percent(60))
        signals.set("block", CaseNode::sequence({CaseNode::plain(choose_.pick(std::vector<std::string>{"SIGUSR2", "SIGHUP", "SIGTERM"}))}));
      if (!signals.entries.empty()) parent.set("signals", std::move(signals));
    }
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
      const FdHolder* chosen = !on_own_fd.empty() && choose_.percent(50) ? choose_.pick(on_own_fd) : &choose_.pick(holders_);
      if (!chosen->is_dir) {
        last_stream_target_ = chosen->name;
        return CaseNode::mapping({{"resource", CaseNode::plain(chosen->name)}});
      }
    }
    if (!last_stream_target_.empty() && choose_.percent(40))
      return CaseNode::mapping({{"resource", CaseNode::plain(last_stream_target_)}});
    long long fd = choose_.percent(60) ? choose_.between(0, 2) : choose_.pick(std::vector<long long>{3, 4, 5, 9});
    return CaseNode::mapping({{"fd", CaseNode::number(fd)}});
  }

  void popen_settings(CaseNode& popen) {
    static const std::vector<std::string> streams{"stdin", "stdout", "stderr"};
    for (long long fd = 0; fd < 3; ++fd)
      if (choose_.percent(45)) popen.set(streams[static_cast<std::size_t>(fd)], stream(fd));
    if (choose_.percent(50)) popen.set("close_fds", CaseNode::boolean(choose_.percent(70)));
    if (choose_.percent(45)) popen.set("pass_fds", pass_fds());
    std::vector<const FdHolder*> dirs;
    for (const auto& h : holders_)
      if (h.is_dir) dirs.push_back(&h);
    if (!dirs.empty() && choose_.percent(30)) popen.set("cwd", CaseNode::plain(choose_.pick(dirs)->name));
    if (choose_.percent(10))
      popen.set("env", CaseNode::mapping({{"FUZZ_CHILD", CaseNode::quoted("x")}, {"PATH", CaseNode::quoted("/usr/bin:/bin")}}));
    if (choose_.percent(15)) popen.set("start_new_session", CaseNode::boolean(true));
    if (choose_.percent(10)) popen.set("restore_signals", CaseNode::boolean(false));
    if (choose_.percent(10)) popen.set("umask", CaseNode::quoted("077"));
  }

  // An fd for a file action: a resource (by name or its fixed number), a standard fd, or a number
  // nothing sits on.
  CaseNode action_fd() {
    auto region = choose_.below(100);
    if (region < 40 && !holders_.empty()) return CaseNode::plain(choose_.pick(holders_).name);
    if (region < 70) return CaseNode::number(choose_.between(0, 2));
    return CaseNode::number(choose_.between(3, 12));
  }

  // os.posix_spawn with file actions in any order: opens onto low and taken fds, closes, dup2s onto
  // the standard fds and onto the source itself, closefrom.
  void posix_spawn_settings(CaseNode& call) {
    CaseNode actions = CaseNode::sequence();
    long long count = choose_.between(0, 4);
    for (long long i = 0; i < count; ++i) {
      switch (choose_.below(4)) {
        case 0: {
          static const std::vector<std::vector<std::string>> flag_sets{
              {"rdwr", "creat"}, {"wronly", "creat", "trunc"}, {"rdwr", "creat", "cloexec"}, {"wronly", "creat", "append"}};
          CaseNode flags = CaseNode::sequence();
          for (const auto& f : choose_.pick(flag_sets)) flags.items.push_back(CaseNode::plain(f));
          actions.items.push_back(CaseNode::mapping(
              {{"open", CaseNode::mapping({{"fd", CaseNode::number(choose_.percent(50) ? choose_.between(0, 2)
                                                                                        : choose_.between(3, 12))},
                                           {"path", CaseNode::plain(fmt::format("action{}.txt", i))},
                                           {"flags", std::move(flags)},
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
    if (choose_.percent(15)) call.set("setsid", CaseNode::boolean(true));
    if (choose_.percent(10)) call.set("setpgroup", CaseNode::number(0));
    if (choose_.percent(15))
      call.set("setsigmask", choose_.percent(50) ? CaseNode::sequence()
                                                 : CaseNode::sequence({CaseNode::plain("SIGUSR1")}));
    if (choose_.percent(15)) call.set("setsigdef", CaseNode::sequence({CaseNode::plain("SIGPIPE")}));
    if (choose_.percent(10)) call.set("resetids", CaseNode::boolean(true));
  }

  // Names and numbers, unsorted, sometimes twice, sometimes a standard fd.
  CaseNode pass_fds() {
    CaseNode list = CaseNode::sequence();
    long long count = choose_.between(1, 4);
    for (long long i = 0; i < count; ++i) {
      auto region = choose_.below(100);
      if (region < 55 && !holders_.empty()) {
        list.items.push_back(CaseNode::plain(choose_.pick(holders_).name));
      } else if (region < 70 && !list.items.empty()) {
        list.items.push_back(list.items[choose_.below(list.items.size())]);
      } else if (region < 85) {
        list.items.push_back(CaseNode::number(choose_.between(0, 2)));
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
  std::vector<FdHolder> holders_;
  std::string last_stream_target_;
};

bool mentions(const CaseNode& node, const std::string& key) {
  for (const auto& [k, v] : node.entries)
    if (k == key || mentions(v, key)) return true;
  for (const auto& item : node.items)
    if (mentions(item, key)) return true;
  return false;
}

}  // namespace

CaseNode generate_case(std::uint64_t seed, std::uint64_t case_number) { return CaseBuilder(seed, case_number).build(); }

std::string case_id(std::uint64_t seed, std::uint64_t case_number) { return fmt::format("fuzz-{}-{}", seed, case_number); }

std::vector<std::string> covered_items(const CaseNode& body) {
  std::vector<std::string> items;
  const CaseNode* popen = nullptr;
  const CaseNode* spawn = body.find("spawn");
  if (spawn) popen = spawn->find("popen");
  if (spawn && spawn->find("posix_spawn")) {
    // The posix_spawn path and its file actions; closefrom is the close-from-3 action of 3.13.
    items.push_back("F12");
    if (mentions(body, "closefrom")) items.push_back("X6");
    if (mentions(body, "close_std")) items.push_back("F9");
    return items;
  }
  const CaseNode* close_fds = popen ? popen->find("close_fds") : nullptr;
  items.push_back(close_fds && close_fds->text == "false" ? "X1" : "X2");
  if (mentions(body, "pass_fds")) items.push_back("X7");
  for (const char* stream : {"stdin", "stdout", "stderr"})
    if (popen && popen->find(stream)) {
      items.push_back("P10");
      break;
    }
  if (mentions(body, "close_std")) items.push_back("F9");
  return items;
}

}  // namespace fdconform::fuzz
