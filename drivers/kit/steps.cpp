#include "steps.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <fstream>
#include <sstream>
#include <latch>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "child_steps.hpp"
#include "child_wait.hpp"
#include "errno_names.hpp"
#include "fdconform_common/signal_names.hpp"
#include "outcome.hpp"
#include "adapter.hpp"
#include "parent_snapshot.hpp"
#include "scenario_parent.hpp"

namespace kit {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* standard_streams[] = {"stdin", "stdout", "stderr"};

struct NamedChild {
  std::string name;
  StartedChild started;
  bool holds = false;                    // its argv asks the probe to stay alive after its report
  std::optional<int> reaped_returncode;  // set once a wait step reaped a child without a Popen handle
  Json block;                            // the spawn step without its name
  std::string report_path;
  std::vector<NestedSpawn> nested;       // spawns its fork_exec child makes before exec
  Json communicated;                     // what the first communicate() returned; null before it
};

std::chrono::milliseconds time_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

Json raised(int error_number) {
  return Json{{"raised",
               {{"error_class", fdconform_common::python_oserror_class(error_number)},
                {"errno_name", errno_name(error_number)}}}};
}

Json returned(Json value) { return Json{{"returned", std::move(value)}}; }

bool asks_to_hold(const Json& spawn_block) {
  for (const auto& [kind, spec] : spawn_block.items()) {
    if (!spec.is_object() || !spec.contains("argv")) continue;
    const Json& argv = spec["argv"];
    if (argv.is_string()) return argv.get<std::string>().find("--hold=") != std::string::npos;
    if (argv.is_array())
      for (const Json& word : argv)
        if (word.is_string() && word.get<std::string>().starts_with("--hold=")) return true;
  }
  return false;
}

bool file_exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// A spawn step is done when its child has exited (seen without reaping it,
// so poll() and wait() still find it), or, for a child that holds, once its
// report is in place: either way the next step meets a child in a known state.
bool wait_until_settled(const NamedChild& child, const std::string& report_path, Clock::time_point deadline) {
  for (;;) {
    if (child.holds && file_exists(report_path)) return true;
    siginfo_t info{};
    int rc = waitid(P_PID, static_cast<id_t>(child.started.pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == child.started.pid) return true;
    if (rc < 0 && errno != EINTR) return true;  // ECHILD: reaped by the kernel (SIGCHLD ignored)
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The Popen handle's parent-side pipe ends become resources (NAME.stdin ...).
void name_pipe_ends(ResourceTable& resources, const NamedChild& child) {
  if (!child.started.handle) return;
  const ChildHandle& process = *child.started.handle;
  const int fds[] = {process.stdin_fd(), process.stdout_fd(), process.stderr_fd()};
  for (int i = 0; i < 3; ++i)
    if (fds[i] >= 0) resources.add(fmt::format("{}.{}", child.name, standard_streams[i]), fds[i]);
}

// Pipe ends communicate() has closed no longer name an fd in a snapshot.
void forget_closed_pipe_ends(ResourceTable& resources, const std::vector<NamedChild>& children) {
  for (const auto& child : children) {
    if (!child.started.handle) continue;
    const ChildHandle& process = *child.started.handle;
    const int fds[] = {process.stdin_fd(), process.stdout_fd(), process.stderr_fd()};
    for (int i = 0; i < 3; ++i) {
      const std::string name = fmt::format("{}.{}", child.name, standard_streams[i]);
      if (fds[i] < 0 && resources.fd_of(name) && !resources.is_gone(name)) resources.forget_name(name);
    }
  }
}

NamedChild& child_named(std::vector<NamedChild>& children, const std::string& name, const std::string& where) {
  for (auto& child : children)
    if (child.name == name) return child;
  throw RequestError(fmt::format("{}: no earlier spawn is named \"{}\"", where, name));
}

class StepRunner {
 public:
  StepRunner(PreparedParent& prepared, const SpawnContext& base, std::string workdir, Clock::time_point deadline)
      : prepared_(prepared), base_(base), workdir_(std::move(workdir)), deadline_(deadline) {}

  StepsRun run(const Json& steps) {
    size_t index = 0;
    for (const Json& step : array_at(steps, "scenario.steps")) {
      const std::string where = fmt::format("scenario.steps[{}]", index++);
      auto [kind, spec] = single_entry(step, where, "spawn, call, wait, parent, together");
      try {
        if (kind == "spawn") {
          spawn(spec, where + ".spawn");
          out_.steps.push_back(nullptr);
        } else if (kind == "together") {
          out_.steps.push_back(together(spec, where + ".together"));
        } else {
          out_.steps.push_back(step_result(step, where));
          apply_pending_forgets();
        }
      } catch (...) {
        abandon_all();
        throw;
      }
      if (out_.skip || out_.no_api || out_.error) {
        abandon_all();
        return std::move(out_);
      }
    }
    finish_all();
    for (auto& child : children_)
      if (child.started.handle) out_.popen_handles.push_back(std::move(child.started.handle));
    return std::move(out_);
  }

 private:
  // A spawn step: the parent's snapshot, then the child started and settled.
  void spawn(const Json& spec, const std::string& where) {
    const size_t index = reserve_spawn(spec, where, snapshot_before_spawn());
    start_child(index, placeholders_);
    after_start(index);
  }

  Json snapshot_before_spawn() {
    forget_closed_pipe_ends(prepared_.resources, children_);
    Json parent = take_parent_snapshot(result_channel_fd);
    parent["resources"] = resource_map(prepared_);
    return parent;
  }

  // The child's entry, in the order the spawns are written (a together
  // step reserves all of its spawns before any thread starts).
  size_t reserve_spawn(const Json& spec, const std::string& where, Json parent) {
    auto [name, block] = named_spawn(spec, where);
    std::vector<NestedSpawn> nested = nested_spawns_of(block);
    children_.push_back(NamedChild{name, {}, asks_to_hold(block), std::nullopt, std::move(block),
                                   fmt::format("{}/probe-{}.json", workdir_, name), std::move(nested)});
    out_.spawns.push_back(Json{{"name", name}, {"pid", nullptr}, {"outcome", nullptr}, {"parent", std::move(parent)}});
    out_.report_paths.push_back(children_.back().report_path);
    return children_.size() - 1;
  }

  // Touches only its own child, so a together step runs several at once.
  void start_child(size_t index, const PlaceholderValues& placeholders) {
    NamedChild& child = children_[index];
    SpawnContext context = base_;
    context.placeholders = placeholders;
    context.report_argument = "--report=" + child.report_path;
    context.timeout = time_left(deadline_);
    // A spawn the forked child will make that this path cannot run skips the cell before any fork.
    for (const auto& nested : child.nested)
      if (nested.block.contains("popen"))
        if (auto why = base_.adapter.popen_skip_reason(nested.block["popen"], context)) return fail_with_skip(*why);
    child.started = start_spawn(child.block, context);
    if (child.started.skip) return fail_with_skip(*child.started.skip);
    if (child.started.no_api) return fail_with_no_api(*child.started.no_api);
    if (child.started.pid > 0 && !wait_until_settled(child, child.report_path, deadline_))
      fail(fmt::format("child {}: {}", child.name, timeout_reason(base_.timeout)));
  }

  void after_start(size_t index) {
    NamedChild& child = children_[index];
    if (child.started.pid <= 0) return;
    out_.spawns[index]["pid"] = child.started.pid;
    placeholders_.child_pids.emplace_back(fmt::format("{{pid:{}}}", child.name), std::to_string(child.started.pid));
    name_pipe_ends(prepared_.resources, child);
  }

  // docs/SCENARIO_FORMAT.md "Threads": every entry in a thread of its own,
  // released together; spawns share the snapshot taken before any starts.
  Json together(const Json& entries_json, const std::string& where) {
    const Json& entries = array_at(entries_json, where);
    const Json parent = snapshot_before_spawn();
    std::vector<std::optional<size_t>> spawn_index(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      auto [kind, spec] = single_entry(entries[i], fmt::format("{}[{}]", where, i), "spawn, call, wait, parent");
      if (kind == "together") throw RequestError(fmt::format("{}[{}]: a together step cannot hold another", where, i));
      if (kind == "spawn") spawn_index[i] = reserve_spawn(spec, fmt::format("{}[{}].spawn", where, i), parent);
    }
    Json results = Json::array();
    for (size_t i = 0; i < entries.size(); ++i) results.push_back(nullptr);
    std::vector<std::exception_ptr> failures(entries.size());
    std::latch start(static_cast<std::ptrdiff_t>(entries.size()));
    const PlaceholderValues placeholders = placeholders_;  // no sibling's pid: the order is not known
    {
      std::vector<std::jthread> threads;
      for (size_t i = 0; i < entries.size(); ++i)
        threads.emplace_back([&, i] {
          start.arrive_and_wait();
          try {
            if (spawn_index[i]) start_child(*spawn_index[i], placeholders);
            else results[i] = step_result(entries[i], fmt::format("{}[{}]", where, i));
          } catch (...) {
            failures[i] = std::current_exception();
          }
        });
    }
    for (size_t i = 0; i < entries.size(); ++i)
      if (spawn_index[i]) after_start(*spawn_index[i]);
    apply_pending_forgets();
    for (const auto& failure : failures)
      if (failure) std::rethrow_exception(failure);
    return results;
  }

  // A call, wait or parent step's result (spawn and together are handled by run()).
  Json step_result(const Json& step, const std::string& where) {
    auto [kind, spec] = single_entry(step, where, "spawn, call, wait, parent");
    if (kind == "call") return call(spec, where + ".call");
    if (kind == "wait") return wait(child_named(children_, string_at(spec, where + ".wait"), where + ".wait"));
    if (kind == "parent") return parent_call(spec, where + ".parent");
    throw RequestError(fmt::format("{}: expected spawn, call, wait or parent, got \"{}\"", where, kind));
  }

  void fail(std::string reason) {
    std::lock_guard lock(mutex_);
    if (!out_.error) out_.error = std::move(reason);
  }
  void fail_with_skip(std::string reason) {
    std::lock_guard lock(mutex_);
    if (!out_.skip) out_.skip = std::move(reason);
  }
  void fail_with_no_api(std::string capability) {
    std::lock_guard lock(mutex_);
    if (!out_.no_api) out_.no_api = std::move(capability);
  }
  void add_diagnostics(const std::string& text) {
    std::lock_guard lock(mutex_);
    out_.diagnostics += text;
  }
  // Names a parent call took from an fd; applied once no other thread reads the table.
  void forget_fd_later(int fd) {
    std::lock_guard lock(mutex_);
    pending_forgets_.push_back(fd);
  }
  void apply_pending_forgets() {
    for (int fd : pending_forgets_) prepared_.resources.forget_fd(fd);
    pending_forgets_.clear();
  }

  // Popen's methods, on an earlier popen spawn's handle.
  Json call(const Json& spec, const std::string& where) {
    object_at(spec, where);
    NamedChild& child = child_named(children_, string_at(spec.at("child"), where + ".child"), where + ".child");
    const std::string method = string_at(spec.at("method"), where + ".method");
    if (!child.started.outcome.is_null()) return Json{{"skipped", "the spawn raised"}};
    if (!child.started.handle) throw RequestError(fmt::format("{}: {} is not a popen spawn", where, child.name));
    ChildHandle& process = *child.started.handle;
    try {
      if (method == "poll") return returned(optional_code(process.poll()));
      if (method == "returncode") return returned(optional_code(process.returncode()));
      if (method == "wait") return wait(child);
      if (method == "communicate") return communicate(child);
      if (method == "terminate") process.send_signal(SIGTERM);
      else if (method == "kill") process.send_signal(SIGKILL);
      else if (method == "send_signal") {
        const std::string name = string_at(spec.at("signal"), where + ".signal");
        auto number = fdconform_common::signal_number(name);
        if (!number) throw RequestError(fmt::format("{}.signal: \"{}\" is not a signal name", where, name));
        process.send_signal(*number);
      } else {
        throw RequestError(fmt::format("{}.method: expected poll, wait, communicate, send_signal, terminate, kill or "
                                       "returncode, got \"{}\"",
                                       where, method));
      }
      return returned(nullptr);
    } catch (const CallError& error) {
      return raised(error.error_number());
    }
  }

  static Json optional_code(std::optional<int> code) { return code ? Json(*code) : Json(nullptr); }

  Json communicate(NamedChild& child) {
    // A later call finds the streams the first one read to their end closed: Popen skips them and
    // returns what it collected before, again (CPython 3.7+, bpo-35182).
    if (!child.communicated.is_null()) return returned(child.communicated);
    ChildHandle& process = *child.started.handle;
    const bool has_stdout = process.stdout_fd() >= 0, has_stderr = process.stderr_fd() >= 0;
    std::optional<Communicated> output = process.communicate(time_left(deadline_));
    if (!output) {
      fail(fmt::format("child {}: {}", child.name, timeout_reason(base_.timeout)));
      return nullptr;
    }
    add_diagnostics(output->stdout_data + output->stderr_data);
    child.communicated = Json{{"stdout", has_stdout ? Json(output->stdout_data.size()) : Json(nullptr)},
                              {"stderr", has_stderr ? Json(output->stderr_data.size()) : Json(nullptr)}};
    return returned(child.communicated);
  }

  // Popen.wait(), or waitpid for a child without a Popen handle.
  Json wait(NamedChild& child) {
    if (!child.started.outcome.is_null()) return Json{{"skipped", "the spawn raised"}};
    std::optional<int> code;
    if (child.started.handle) code = child.started.handle->wait_for(time_left(deadline_));
    else if (child.reaped_returncode) code = child.reaped_returncode;
    else if ((code = wait_with_deadline(child.started.pid, time_left(deadline_)))) child.reaped_returncode = code;
    if (!code) {
      fail(fmt::format("child {}: {}", child.name, timeout_reason(base_.timeout)));
      return nullptr;
    }
    return returned(*code);
  }

  // One os call in the scenario parent, as os.close, os.set_inheritable,
  // os.get_inheritable and os.dup2 make it (os.dup2 returns the new fd).
  Json parent_call(const Json& spec, const std::string& where) {
    auto [kind, args] = single_entry(spec, where, "close, set_inheritable, get_inheritable, dup2");
    const ResourceTable& resources = prepared_.resources;
    if (kind == "churn") return churn(args, where + ".churn");
    if (kind == "close") {
      const int fd = resources.resolve_fd(args, where + ".close");
      if (::close(fd) != 0) return raised(errno);
      forget_fd_later(fd);
      return returned(nullptr);
    }
    if (kind == "get_inheritable") {
      const int flags = fcntl(resources.resolve_fd(args, where + ".get_inheritable"), F_GETFD);
      return flags < 0 ? raised(errno) : returned((flags & FD_CLOEXEC) == 0);
    }
    if (kind == "set_inheritable") {
      const int fd = resources.resolve_fd(args.at("fd"), where + ".set_inheritable.fd");
      const bool value = boolean_at(args.at("value"), where + ".set_inheritable.value");
      return set_fd_inheritable(fd, value) ? returned(nullptr) : raised(errno);
    }
    if (kind == "dup2") {
      const int fd = resources.resolve_fd(args.at("fd"), where + ".dup2.fd");
      const int to = static_cast<int>(integer_at(args.at("to"), where + ".dup2.to"));
      const Json* inheritable = member(args, "inheritable", where + ".dup2");
      const bool keep = !inheritable || boolean_at(*inheritable, where + ".dup2.inheritable");
      const int rc = python_dup2(fd, to, keep);
      if (rc < 0) return raised(errno);
      if (fd != to) forget_fd_later(to);
      return returned(rc);
    }
    throw RequestError(
        fmt::format("{}: expected close, set_inheritable, get_inheritable or dup2, got \"{}\"", where, kind));
  }

  // Opens /dev/null `count` times and closes each fd at once, so a spawn in
  // another thread meets fds that come and go.
  static Json churn(const Json& args, const std::string& where) {
    const long long count = integer_at(args.at("count"), where + ".count");
    const bool inheritable = boolean_at(args.at("inheritable"), where + ".inheritable");
    for (long long i = 0; i < count; ++i) {
      const int fd = open("/dev/null", O_RDONLY | (inheritable ? 0 : O_CLOEXEC));
      if (fd < 0) return raised(errno);
      close(fd);
    }
    return returned(count);
  }

  // The spawns listed in order, each outer spawn followed by the spawns its
  // fork_exec child made, read from the records that child left.
  void list_nested_spawns() {
    Json spawns = Json::array();
    std::vector<std::string> report_paths;
    for (size_t i = 0; i < children_.size(); ++i) {
      spawns.push_back(out_.spawns[i]);
      report_paths.push_back(out_.report_paths[i]);
      for (const auto& nested : children_[i].nested) {
        Json entry{{"name", nested.name}, {"pid", nullptr}, {"outcome", nullptr}, {"parent", out_.spawns[i]["parent"]}};
        std::ifstream file(nested_record_path(workdir_, nested.name));
        std::stringstream text;
        text << file.rdbuf();
        const Json record = file ? Json::parse(text.str(), nullptr, false) : Json();
        if (record.is_object()) {
          entry["pid"] = record.value("pid", Json());
          entry["outcome"] = record.value("outcome", Json());
          if (record.value("error", Json()).is_string())
            fail(fmt::format("child {}: {}", nested.name, record["error"].get<std::string>()));
        }
        spawns.push_back(std::move(entry));
        report_paths.push_back(fmt::format("{}/probe-{}.json", workdir_, nested.name));
      }
    }
    out_.spawns = std::move(spawns);
    out_.report_paths = std::move(report_paths);
  }

  // Every child not reaped yet is waited for as the single-spawn form would,
  // then each spawn's outcome is set.
  void finish_all() {
    for (size_t i = 0; i < children_.size(); ++i) {
      NamedChild& child = children_[i];
      Json& entry = out_.spawns[i];
      if (!child.started.outcome.is_null()) {
        entry["outcome"] = child.started.outcome;
        continue;
      }
      if (child.reaped_returncode) {
        entry["outcome"] = outcome_from_returncode(*child.reaped_returncode);
        continue;
      }
      // A child a wait or poll step already reaped is done: as the CPython driver does, its pipes stay
      // open (only communicate() closes them, and a caller who waited has no reason to call it).
      if (child.started.handle)
        if (std::optional<int> code = child.started.handle->returncode()) {
          entry["outcome"] = outcome_from_returncode(*code);
          continue;
        }
      SpawnRun run = finish_spawn(child.started, time_left(deadline_));
      out_.diagnostics += run.diagnostics;
      if (run.error) {
        out_.error = fmt::format("child {}: {}", child.name, *run.error);
        continue;
      }
      entry["outcome"] = run.outcome;
    }
    list_nested_spawns();
  }

  // After a skip or a timeout: no child may outlive the scenario parent.
  void abandon_all() {
    for (auto& child : children_) {
      if (child.started.pid <= 0 || child.reaped_returncode) continue;
      if (child.started.handle) {
        if (child.started.handle->returncode()) continue;
        kill_child_tree(child.started.pid);
        child.started.handle->wait();
      } else {
        kill_child_tree(child.started.pid);
        reap(child.started.pid);
      }
    }
    reap_adopted_orphans();
  }

  PreparedParent& prepared_;
  const SpawnContext& base_;
  const std::string workdir_;
  const Clock::time_point deadline_;
  PlaceholderValues placeholders_ = base_.placeholders;
  std::vector<NamedChild> children_;
  StepsRun out_;
  std::mutex mutex_;  // out_.error, out_.skip, out_.diagnostics and pending_forgets_ under threads
  std::vector<int> pending_forgets_;
};

}  // namespace

StepsRun run_steps(const Json& steps, PreparedParent& prepared, const SpawnContext& base, const std::string& workdir,
                   Clock::time_point deadline) {
  return StepRunner(prepared, base, workdir, deadline).run(steps);
}

}  // namespace kit
