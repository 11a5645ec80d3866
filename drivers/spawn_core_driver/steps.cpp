#include "steps.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include <fmt/format.h>

#include "child_wait.hpp"
#include "errno_names.hpp"
#include "fdconform_common/signal_names.hpp"
#include "outcome.hpp"
#include "parent_snapshot.hpp"
#include "scenario_parent.hpp"
#include "spawn_core/spawn_error.hpp"

namespace driver {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* standard_streams[] = {"stdin", "stdout", "stderr"};

struct NamedChild {
  std::string name;
  StartedChild started;
  bool holds = false;                    // its argv asks the probe to stay alive after its report
  std::optional<int> reaped_returncode;  // set once a wait step reaped a child without a Popen handle
};

std::chrono::milliseconds time_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

Json raised(int error_number) {
  spawn_core::SpawnError error(spawn_core::FailedStep::parent, error_number, std::nullopt);
  return Json{{"raised", {{"exception", error.python_type()}, {"errno_name", errno_name(error_number)}}}};
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
  if (!child.started.process) return;
  const spawn_core::Process& process = *child.started.process;
  const int fds[] = {process.stdin_fd(), process.stdout_fd(), process.stderr_fd()};
  for (int i = 0; i < 3; ++i)
    if (fds[i] >= 0) resources.add(fmt::format("{}.{}", child.name, standard_streams[i]), fds[i]);
}

// Pipe ends communicate() has closed no longer name an fd in a snapshot.
void forget_closed_pipe_ends(ResourceTable& resources, const std::vector<NamedChild>& children) {
  for (const auto& child : children) {
    if (!child.started.process) continue;
    const spawn_core::Process& process = *child.started.process;
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
      auto [kind, spec] = single_entry(step, where, "spawn, call, wait, parent");
      if (kind == "spawn") {
        spawn(spec, where + ".spawn");
        out_.steps.push_back(nullptr);
      } else if (kind == "call") {
        out_.steps.push_back(call(spec, where + ".call"));
      } else if (kind == "wait") {
        out_.steps.push_back(wait(child_named(children_, string_at(spec, where + ".wait"), where + ".wait")));
      } else if (kind == "parent") {
        out_.steps.push_back(parent_call(spec, where + ".parent"));
      } else {
        throw RequestError(fmt::format("{}: expected spawn, call, wait or parent, got \"{}\"", where, kind));
      }
      if (out_.skip || out_.error) {
        abandon_all();
        return std::move(out_);
      }
    }
    finish_all();
    return std::move(out_);
  }

 private:
  void spawn(const Json& spec, const std::string& where) {
    Json block = object_at(spec, where);
    const std::string name = string_at(block.at("name"), where + ".name");
    block.erase("name");
    NamedChild child{name, {}, asks_to_hold(block), std::nullopt};
    const std::string report_path = fmt::format("{}/probe-{}.json", workdir_, name);

    forget_closed_pipe_ends(prepared_.resources, children_);
    Json parent = take_parent_snapshot(result_channel_fd);
    parent["resources"] = resource_map(prepared_);
    SpawnContext context = base_;
    context.placeholders = placeholders_;
    context.report_argument = "--report=" + report_path;
    context.timeout = time_left(deadline_);
    child.started = start_spawn(block, context);
    if (child.started.skip) {
      out_.skip = child.started.skip;
      return;
    }
    out_.spawns.push_back(Json{{"name", name},
                               {"pid", child.started.pid > 0 ? Json(child.started.pid) : Json(nullptr)},
                               {"outcome", nullptr},
                               {"parent", std::move(parent)}});
    out_.report_paths.push_back(report_path);
    if (child.started.pid > 0) {
      placeholders_.child_pids.emplace_back(fmt::format("{{pid:{}}}", name), std::to_string(child.started.pid));
      if (!wait_until_settled(child, report_path, deadline_))
        out_.error = fmt::format("child {}: {}", name, timeout_reason(base_.timeout));
    }
    name_pipe_ends(prepared_.resources, child);
    children_.push_back(std::move(child));
  }

  // Popen's methods, on an earlier popen spawn's handle.
  Json call(const Json& spec, const std::string& where) {
    object_at(spec, where);
    NamedChild& child = child_named(children_, string_at(spec.at("child"), where + ".child"), where + ".child");
    const std::string method = string_at(spec.at("method"), where + ".method");
    if (!child.started.outcome.is_null()) return Json{{"skipped", "the spawn raised"}};
    if (!child.started.process) throw RequestError(fmt::format("{}: {} is not a popen spawn", where, child.name));
    spawn_core::Process& process = *child.started.process;
    try {
      if (method == "poll") return returned(optional_code(process.poll()));
      if (method == "returncode") return returned(optional_code(process.returncode()));
      if (method == "wait") return wait(child);
      if (method == "communicate") return communicate(child);
      if (method == "terminate") process.terminate();
      else if (method == "kill") process.kill();
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
    } catch (const spawn_core::SpawnError& error) {
      return raised(error.error_number());
    }
  }

  static Json optional_code(std::optional<int> code) { return code ? Json(*code) : Json(nullptr); }

  Json communicate(NamedChild& child) {
    spawn_core::Process& process = *child.started.process;
    const bool has_stdout = process.stdout_fd() >= 0, has_stderr = process.stderr_fd() >= 0;
    try {
      spawn_core::Communicated output = process.communicate({}, time_left(deadline_));
      out_.diagnostics += output.stdout_data + output.stderr_data;
      return returned(Json{{"stdout", has_stdout ? Json(output.stdout_data.size()) : Json(nullptr)},
                           {"stderr", has_stderr ? Json(output.stderr_data.size()) : Json(nullptr)}});
    } catch (const spawn_core::TimeoutExpired&) {
      out_.error = fmt::format("child {}: {}", child.name, timeout_reason(base_.timeout));
      return nullptr;
    }
  }

  // Popen.wait(), or waitpid for a child without a Popen handle.
  Json wait(NamedChild& child) {
    if (!child.started.outcome.is_null()) return Json{{"skipped", "the spawn raised"}};
    std::optional<int> code;
    if (child.started.process) code = child.started.process->wait_for(time_left(deadline_));
    else if (child.reaped_returncode) code = child.reaped_returncode;
    else if ((code = wait_with_deadline(child.started.pid, time_left(deadline_)))) child.reaped_returncode = code;
    if (!code) {
      out_.error = fmt::format("child {}: {}", child.name, timeout_reason(base_.timeout));
      return nullptr;
    }
    return returned(*code);
  }

  // One os call in the scenario parent, as os.close, os.set_inheritable,
  // os.get_inheritable and os.dup2 make it (os.dup2 returns the new fd).
  Json parent_call(const Json& spec, const std::string& where) {
    auto [kind, args] = single_entry(spec, where, "close, set_inheritable, get_inheritable, dup2");
    ResourceTable& resources = prepared_.resources;
    if (kind == "close") {
      const int fd = resources.resolve_fd(args, where + ".close");
      if (::close(fd) != 0) return raised(errno);
      resources.forget_fd(fd);
      return returned(nullptr);
    }
    if (kind == "get_inheritable") {
      const int flags = fcntl(resources.resolve_fd(args, where + ".get_inheritable"), F_GETFD);
      return flags < 0 ? raised(errno) : returned((flags & FD_CLOEXEC) == 0);
    }
    if (kind == "set_inheritable") {
      const int fd = resources.resolve_fd(args.at("fd"), where + ".set_inheritable.fd");
      const bool value = boolean_at(args.at("value"), where + ".set_inheritable.value");
      const int flags = fcntl(fd, F_GETFD);
      if (flags < 0) return raised(errno);
      return fcntl(fd, F_SETFD, value ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC) == 0 ? returned(nullptr)
                                                                                       : raised(errno);
    }
    if (kind == "dup2") {
      const int fd = resources.resolve_fd(args.at("fd"), where + ".dup2.fd");
      const int to = static_cast<int>(integer_at(args.at("to"), where + ".dup2.to"));
      const Json* inheritable = member(args, "inheritable", where + ".dup2");
      const bool keep = !inheritable || boolean_at(*inheritable, where + ".dup2.inheritable");
      // As CPython: a non-inheritable copy comes from dup3(O_CLOEXEC), which
      // refuses fd == to with EINVAL; an inheritable one from dup2, which
      // leaves an fd duplicated onto itself as it was.
      const int rc = keep ? dup2(fd, to) : dup3(fd, to, O_CLOEXEC);
      if (rc < 0) return raised(errno);
      if (fd != to) resources.forget_fd(to);
      return returned(rc);
    }
    throw RequestError(
        fmt::format("{}: expected close, set_inheritable, get_inheritable or dup2, got \"{}\"", where, kind));
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
      SpawnRun run = finish_spawn(child.started, time_left(deadline_));
      out_.diagnostics += run.diagnostics;
      if (run.error) {
        out_.error = fmt::format("child {}: {}", child.name, *run.error);
        continue;
      }
      entry["outcome"] = run.outcome;
    }
  }

  // After a skip or a timeout: no child may outlive the scenario parent.
  void abandon_all() {
    for (auto& child : children_) {
      if (child.started.pid <= 0 || child.reaped_returncode) continue;
      if (child.started.process) {
        if (child.started.process->returncode()) continue;
        kill_child_tree(child.started.pid);
        child.started.process->wait();
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
};

}  // namespace

StepsRun run_steps(const Json& steps, PreparedParent& prepared, const SpawnContext& base, const std::string& workdir,
                   Clock::time_point deadline) {
  return StepRunner(prepared, base, workdir, deadline).run(steps);
}

}  // namespace driver
