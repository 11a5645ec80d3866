#include "child_steps.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "confined_paths.hpp"
#include "fdconform_common/signal_names.hpp"
#include "spawn_from_scenario.hpp"

namespace kit {
namespace {

// os.dup2: inheritable=True is a plain dup2 (dup2(fd, fd) leaves the flag as it
// was); inheritable=False is dup3 with O_CLOEXEC, which refuses fd == to (EINVAL).
bool set_disposition(int signo, bool ignore) noexcept {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = ignore ? SIG_IGN : SIG_DFL;
  sigemptyset(&action.sa_mask);
  return sigaction(signo, &action, nullptr) == 0;
}

// fd = os.open(path, flags, mode), close-on-exec as every Python open; with a
// target, os.dup2(fd, target) and os.close(fd) (os.dup2's copy is
// inheritable), or, when it already landed there, os.set_inheritable.
bool python_open(const ChildStep& step) noexcept {
  const int fd = open(step.path.c_str(), step.flags | O_CLOEXEC, step.mode);
  if (fd < 0) return false;
  if (step.to < 0) return true;
  if (fd == step.to) return set_fd_inheritable(fd, true);
  const bool moved = dup2(fd, step.to) >= 0;
  close(fd);
  return moved;
}

}  // namespace

int python_dup2(int fd, int to, bool inheritable) noexcept {
  return inheritable ? dup2(fd, to) : dup3(fd, to, O_CLOEXEC);
}

bool set_fd_inheritable(int fd, bool inheritable) noexcept {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return false;
  int wanted = inheritable ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC);
  return wanted == flags || fcntl(fd, F_SETFD, wanted) == 0;
}

std::vector<ChildStep> child_steps_from(const Json& list, const std::string& where, const ResourceTable& resources,
                                        bool hook_steps, const PlaceholderValues& placeholders, bool confined) {
  std::vector<ChildStep> steps;
  const char* kinds =
      hook_steps ? "set_inheritable, dup2, close, signal, raise, open, exit" : "set_inheritable, dup2, close";
  size_t index = 0;
  for (const Json& item : array_at(list, where)) {
    const std::string at = fmt::format("{}[{}]", where, index++);
    auto [kind, body] = single_entry(item, at, kinds);
    const std::string here = at + "." + kind;
    ChildStep step{};
    if (kind == "set_inheritable") {
      const Json* fd = member(object_at(body, here), "fd", here);
      const Json* value = member(body, "value", here);
      if (!fd || !value) throw RequestError(here + ": expected fd and value");
      step = {ChildStep::Kind::set_inheritable, resources.resolve_fd(*fd, here + ".fd"), -1,
              boolean_at(*value, here + ".value")};
    } else if (kind == "dup2") {
      const Json* fd = member(object_at(body, here), "fd", here);
      const Json* to = member(body, "to", here);
      if (!fd || !to) throw RequestError(here + ": expected fd and to");
      bool inheritable = true;  // os.dup2's default
      if (const Json* v = member(body, "inheritable", here)) inheritable = boolean_at(*v, here + ".inheritable");
      step = {ChildStep::Kind::dup2, resources.resolve_fd(*fd, here + ".fd"), resources.resolve_fd(*to, here + ".to"),
              inheritable};
    } else if (kind == "close") {
      step = {ChildStep::Kind::close, resources.resolve_fd(body, here), -1, true};
    } else if (hook_steps && kind == "signal") {
      const Json* name = member(object_at(body, here), "name", here);
      const Json* action = member(body, "action", here);
      if (!name || !action) throw RequestError(here + ": expected name and action");
      const std::string signal_name = string_at(*name, here + ".name");
      const std::optional<int> signo = fdconform_common::signal_number(signal_name);
      if (!signo) throw RequestError(fmt::format("{}.name: unknown signal \"{}\"", here, signal_name));
      const std::string what = string_at(*action, here + ".action");
      if (what != "ignore" && what != "default")
        throw RequestError(fmt::format("{}.action: expected ignore or default, got \"{}\"", here, what));
      step = {ChildStep::Kind::signal, *signo, -1, what == "ignore"};
    } else if (hook_steps && kind == "exit") {
      const long long status = integer_at(body, here);
      if (status < 0 || status > 255) throw RequestError(fmt::format("{}: expected 0 to 255, got {}", here, status));
      step = {ChildStep::Kind::exit, static_cast<int>(status), -1, true};
    } else if (hook_steps && kind == "raise") {
      step = {ChildStep::Kind::raise, -1, -1, true};
    } else if (hook_steps && kind == "open") {
      object_at(body, here);
      const Json* path = member(body, "path", here);
      if (!path) throw RequestError(here + ": expected path");
      std::string opened = substitute_placeholders(string_at(*path, here + ".path"), placeholders);
      check_child_open_path(opened, placeholders.workdir, confined);
      if (!opened.starts_with("/")) opened = placeholders.workdir + "/" + opened;
      step = {ChildStep::Kind::open, -1, -1, true, std::move(opened)};
      if (const Json* fd = member(body, "fd", here)) step.to = static_cast<int>(integer_at(*fd, here + ".fd"));
      if (const Json* flags = member(body, "flags", here)) step.flags = open_flags_from(*flags, here + ".flags");
      if (const Json* mode = member(body, "mode", here)) step.mode = octal_at(*mode, here + ".mode");
    } else {
      throw RequestError(fmt::format("{}: expected one of {}, got \"{}\"", at, kinds, kind));
    }
    steps.push_back(step);
  }
  return steps;
}

bool run_child_steps(const std::vector<ChildStep>& steps) noexcept {
  for (const ChildStep& step : steps) {
    bool ok = true;
    switch (step.kind) {
      case ChildStep::Kind::set_inheritable: ok = set_fd_inheritable(step.fd, step.value); break;
      case ChildStep::Kind::dup2: ok = python_dup2(step.fd, step.to, step.value) >= 0; break;
      case ChildStep::Kind::close: ok = close(step.fd) == 0 || errno == EINTR; break;
      case ChildStep::Kind::signal: ok = set_disposition(step.fd, step.value); break;
      case ChildStep::Kind::raise: ok = false; break;
      case ChildStep::Kind::open: ok = python_open(step); break;
      case ChildStep::Kind::exit: _exit(step.fd);  // os._exit: no error record, no exec
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace kit
