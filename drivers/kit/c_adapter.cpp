// kit.h: a C adapter as a SpawnAdapter. A popen block becomes the plain
// request of struct fdconform_spawn (what a fork and an exec can do); the
// kit opens the pipes and /dev/null the block asks for, and keeps the
// parent's ends as Popen would. What the plain request cannot carry is "no API".
#include "kit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapter.hpp"
#include "child_handle.hpp"
#include "child_steps.hpp"
#include "errno_names.hpp"
#include "outcome.hpp"
#include "resolved_spawn.hpp"

struct fdconform_outcome {
  kit::Json error;                     // the outcome of a spawn that failed; null when none
  std::optional<std::string> no_api;   // the capability the implementation lacks
};

namespace kit {
namespace {

// Everything a plain request points to, alive for the call, and the fds the kit opened for it.
struct PlainSpawn {
  std::string program;
  std::vector<std::string> argv, env;
  bool replaces_env = false;
  std::optional<std::string> cwd;
  std::vector<fdconform_child_fd> fds;
  std::vector<ChildStep> preexec;     // read by the child: resolved before fork
  bool has_preexec = false;
  bool close_other_fds = true, new_session = false;
  int process_group = -1;
  int parent_ends[3] = {-1, -1, -1};  // the Popen handle's stdin, stdout, stderr
  std::vector<int> child_ends;        // closed in the parent once the child has them

  ~PlainSpawn() {
    for (int fd : child_ends) close(fd);
    for (int fd : parent_ends)
      if (fd >= 0) close(fd);
  }
};

bool maps(const PlainSpawn& plain, int child_fd) {
  for (const auto& entry : plain.fds)
    if (entry.child_fd == child_fd) return true;
  return false;
}

void give(PlainSpawn& plain, int child_fd, int parent_fd) {
  if (!maps(plain, child_fd)) plain.fds.push_back({child_fd, parent_fd});
}

int open_child_end(PlainSpawn& plain, int fd) {
  plain.child_ends.push_back(fd);
  return fd;
}

// popen.stdin/stdout/stderr. Returns the capability it cannot express, if any.
std::optional<std::string> map_stream(PlainSpawn& plain, int stream, const Json* spec, const std::string& where,
                                      const ResourceTable& resources) {
  std::string name = "inherit";
  int fd = -1;
  if (spec && spec->is_string()) {
    name = spec->get<std::string>();
  } else if (spec) {
    object_at(*spec, where);
    if (const Json* number = member(*spec, "fd", where)) {
      fd = resources.resolve_fd(*number, where + ".fd", true);
      name = fd == -1 ? "pipe" : fd == -2 ? "stdout" : fd == -3 ? "devnull" : "fd";
    } else if (const Json* resource = member(*spec, "resource", where)) {
      string_at(*resource, where + ".resource");
      fd = resources.resolve_fd(*resource, where + ".resource");
      name = "fd";
    } else {
      throw RequestError(fmt::format("{}: expected {{fd: N}} or {{resource: NAME}}", where));
    }
  }
  if (name == "inherit") return std::nullopt;
  if (name == "fd") {
    give(plain, stream, fd);
  } else if (name == "pipe") {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) throw CallError(errno);  // Popen's own call failed: the spawn raises
    const int child = stream == 0 ? ends[0] : ends[1];
    plain.parent_ends[stream] = stream == 0 ? ends[1] : ends[0];
    give(plain, stream, open_child_end(plain, child));
  } else if (name == "devnull") {
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) throw CallError(errno);
    give(plain, stream, open_child_end(plain, null));
  } else if (name == "stdout" && stream == 2) {
    // stderr=STDOUT: whatever the child's stdout is, the parent's own when it inherits it.
    int target = STDOUT_FILENO;
    for (const auto& entry : plain.fds)
      if (entry.child_fd == STDOUT_FILENO) target = entry.parent_fd;
    give(plain, stream, target);
  } else if (name == "stdout") {
    return where.substr(where.rfind("popen.")) + ": stdout";
  } else {
    throw RequestError(fmt::format("{}: expected inherit, pipe, devnull, stdout, {{fd: N}} or {{resource: NAME}}, got \"{}\"",
                                   where, name));
  }
  return std::nullopt;
}

// Popen's options a fork and an exec have no counterpart for, when not at Popen's default.
std::optional<std::string> unexpressible_option(const Json& spec, const std::string& where) {
  auto differs = [&](const char* key, const Json& fallback) {
    const Json* value = member(spec, key, where);
    return value != nullptr && *value != fallback;
  };
  for (const char* key : {"user", "group", "extra_groups"})
    if (member(spec, key, where)) return where + "." + key;
  if (differs("restore_signals", true)) return where + ".restore_signals: false";
  if (differs("umask", -1)) return where + ".umask";
  if (const Json* size = member(spec, "pipesize", where); size && integer_at(*size, where + ".pipesize") >= 0)
    return where + ".pipesize";
  return std::nullopt;
}

// The plain request of a popen block, or the capability it lacks.
std::optional<std::string> plain_from_popen(const Json& spec, const SpawnContext& context, PlainSpawn& plain) {
  const std::string where = "popen";
  const PlaceholderValues& values = context.placeholders;
  if (auto missing = unexpressible_option(spec, where)) return missing;
  bool shell = false;
  if (const Json* v = member(spec, "shell", where)) shell = boolean_at(*v, where + ".shell");
  std::vector<std::string> args = argv_from(spec, "scenario.spawn.popen", values);
  append_report_argument(args, shell, context.report_argument);
  if (shell) args.insert(args.begin(), {"/bin/sh", "-c"});
  if (const Json* executable = member(spec, "executable", where)) {
    std::string path = substitute_placeholders(string_at(*executable, where + ".executable"), values);
    if (shell) args.front() = path;  // as Popen: the shell named by executable, and argv[0] with it
    plain.program = std::move(path);
  } else {
    plain.program = args.empty() ? std::string() : args.front();
  }
  plain.argv = std::move(args);

  const char* streams[] = {"stdin", "stdout", "stderr"};
  for (int stream = 0; stream < 3; ++stream)
    if (auto missing = map_stream(plain, stream, member(spec, streams[stream], where),
                                  fmt::format("scenario.spawn.popen.{}", streams[stream]), context.resources))
      return missing;
  if (const Json* close_fds = member(spec, "close_fds", where)) plain.close_other_fds = boolean_at(*close_fds, where + ".close_fds");
  if (const Json* pass_fds = member(spec, "pass_fds", where)) {
    for (const Json& item : array_at(*pass_fds, where + ".pass_fds")) {
      const int fd = context.resources.resolve_fd(item, where + ".pass_fds[]", true);
      give(plain, fd, fd);
      plain.close_other_fds = true;  // Popen: pass_fds overrides close_fds=False
    }
  }
  if (context.extra_fd) give(plain, *context.extra_fd, *context.extra_fd);

  if (const Json* cwd = member(spec, "cwd", where)) {
    const std::string text = string_at(*cwd, where + ".cwd");
    auto dir = context.resources.dir_path_of(text);
    plain.cwd = dir ? *dir : substitute_placeholders(text, values);
  }
  if (const Json* env = member(spec, "env", where)) {
    plain.replaces_env = true;
    for (const auto& [key, value] : object_at(*env, where + ".env").items())
      plain.env.push_back(key + "=" + substitute_placeholders(string_at(value, where + ".env." + key), values));
  }
  if (const Json* list = member(spec, "preexec", where)) {
    plain.preexec = child_steps_from(*list, "scenario.spawn.popen.preexec", context.resources, true, values, context.confined);
    plain.has_preexec = true;
  }
  if (const Json* v = member(spec, "start_new_session", where))
    plain.new_session = truth_value_at(*v, where + ".start_new_session");
  if (const Json* v = member(spec, "process_group", where)) {
    const long long group = integer_at(*v, where + ".process_group");
    if (group < -1 || group > INT32_MAX) return where + ".process_group " + std::to_string(group);
    plain.process_group = static_cast<int>(group);
  }
  std::sort(plain.fds.begin(), plain.fds.end(),
            [](const fdconform_child_fd& a, const fdconform_child_fd& b) { return a.child_fd < b.child_fd; });
  return std::nullopt;
}

// The preexec hook of kit.h: the scenario's steps, async-signal-safe.
int run_preexec_steps(const void* steps) {
  return run_child_steps(*static_cast<const std::vector<ChildStep>*>(steps)) ? 0 : 1;
}

std::vector<const char*> pointers(const std::vector<std::string>& texts) {
  std::vector<const char*> out;
  for (const auto& text : texts) out.push_back(text.c_str());
  out.push_back(nullptr);
  return out;
}

class CAdapter final : public SpawnAdapter {
 public:
  explicit CAdapter(const fdconform_adapter& adapter) : c_(adapter) {}

  Hello hello() const override {
    Hello hello{c_.id, c_.name, c_.version, c_.language, c_.detail, Json::object(), {}};
    if (c_.python_semantics) hello.semantics["python"] = c_.python_semantics;
    for (const char* const* feature = c_.features; feature && *feature; ++feature) hello.features.emplace_back(*feature);
    return hello;
  }

  StartedChild start(const std::string& kind, const Json& spec, const SpawnContext& context) const override {
    StartedChild child;
    // Before anyone asks whether the column can express the block: a path that leaves the
    // workdir is an error (docs/PROTOCOL.md, "Confinement") even in a no-API cell.
    check_block_paths(kind, spec, context);
    if (kind != "popen") {
      child.no_api = kind;  // the plain request of kit.h has no file actions or spawn attributes
      return child;
    }
    PlainSpawn plain;
    try {
      if (auto missing = plain_from_popen(spec, context, plain)) {
        child.no_api = *missing;
        return child;
      }
    } catch (const CallError& error) {  // the pipes and /dev/null a Popen call opens before it forks
      child.outcome = outcome_from_errno(error.error_number());
      return child;
    }
    const auto argv = pointers(plain.argv);
    const auto envp = pointers(plain.env);
    const fdconform_spawn request{plain.program.c_str(),
                                  argv.data(),
                                  plain.replaces_env ? envp.data() : nullptr,
                                  plain.cwd ? plain.cwd->c_str() : nullptr,
                                  plain.fds.data(),
                                  plain.fds.size(),
                                  plain.close_other_fds,
                                  plain.new_session,
                                  plain.process_group,
                                  plain.has_preexec ? run_preexec_steps : nullptr,
                                  plain.has_preexec ? &plain.preexec : nullptr};
    fdconform_outcome outcome;
    const pid_t pid = c_.spawn(&request, &outcome, c_.context);
    if (pid > 0) {
      child.pid = pid;
      child.handle = std::make_unique<PidChild>(pid, plain.parent_ends[0], plain.parent_ends[1], plain.parent_ends[2]);
      for (int& end : plain.parent_ends) end = -1;  // the handle owns them now
    } else if (outcome.no_api) {
      child.no_api = *outcome.no_api;
    } else if (!outcome.error.is_null()) {
      child.outcome = outcome.error;
    } else {
      throw std::runtime_error("the adapter's spawn returned no child and reported nothing");
    }
    return child;
  }

 private:
  const fdconform_adapter& c_;
};

const char* text_or_empty(const char* text) { return text ? text : ""; }

}  // namespace
}  // namespace kit

extern "C" {

void fdconform_report_error(fdconform_outcome* outcome, int error_number, const char* error_class, const char* filename,
                            const char* message) {
  outcome->error = kit::outcome_from_exception(kit::text_or_empty(error_class), error_number,
                                               filename ? std::optional<std::string>(filename) : std::nullopt,
                                               kit::text_or_empty(message));
}

void fdconform_report_no_api(fdconform_outcome* outcome, const char* capability) {
  outcome->no_api = kit::text_or_empty(capability);
}

const char* fdconform_oserror_class(int error_number) {
  return fdconform_common::python_oserror_class(error_number);
}

int fdconform_serve(const fdconform_adapter* adapter) {
  for (const char* text : {adapter->id, adapter->name, adapter->version, adapter->language, adapter->detail}) {
    if (text == nullptr || *text == '\0') {
      fmt::print(stderr, "fdconform_serve: the adapter's id, name, version, language and detail must all be set\n");
      return 2;
    }
  }
  if (adapter->spawn == nullptr) {
    fmt::print(stderr, "fdconform_serve: the adapter has no spawn function\n");
    return 2;
  }
  return kit::serve(kit::CAdapter(*adapter));
}

}  // extern "C"
