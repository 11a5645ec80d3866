#include <gnu/libc-version.h>

#include <csignal>

#include <fmt/format.h>

#include "capabilities.hpp"
#include "kit/errno_names.hpp"
#include "kit/outcome.hpp"
#include "spawn_core/spawn.hpp"
#include "spawn_core_adapter.hpp"

namespace spawn_core_driver {

std::string path_name(spawn_core::SpawnPath path) {
  return path == spawn_core::SpawnPath::automatic ? "auto" : spawn_core::to_string(path);
}

std::optional<spawn_core::SpawnPath> spawn_path_from_name(std::string_view name) {
  using spawn_core::SpawnPath;
  if (name == "auto") return SpawnPath::automatic;
  if (name == "fork") return SpawnPath::fork;
  if (name == "vfork") return SpawnPath::vfork;
  if (name == "posix_spawn") return SpawnPath::posix_spawn;
  return std::nullopt;
}

std::string implementation_id(spawn_core::SpawnPath path) { return "spawn_core-" + path_name(path); }

Json outcome_from_error(const spawn_core::SpawnError& error) {
  return kit::outcome_from_exception(error.python_type(), error.error_number(), error.filename(), error.what());
}

kit::Hello Adapter::hello() const {
  kit::Hello hello{spawn_core_driver::implementation_id(default_path_),
                   "spawn_core",
                   FDCONFORM_VERSION,
                   "c++",
                   std::string("spawn_core (CPython ") + implemented_python_version + " semantics), path " +
                       path_name(default_path_) + "; glibc " + gnu_get_libc_version(),
                   Json{{"python", implemented_python_version}},
                   driver_features()};
  // spawn_core stands for CPython's subprocess, whose caller is an interpreter that has, from its
  // start-up on, SIGPIPE and SIGXFSZ ignored and a SIGINT handler: the state restore_signals undoes
  // in the child, so its scenario parents start in it.
  hello.startup_signals = {{SIGPIPE, SIGXFSZ}, {SIGINT}};
  return hello;
}

spawn_core::SpawnPath Adapter::path_of(const Json& variant) const {
  const Json* path = kit::member(variant, "path", "request.variant");
  if (!path) return default_path_;
  const std::string name = kit::string_at(*path, "request.variant.path");
  auto chosen = spawn_path_from_name(name);
  if (!chosen)
    throw kit::RequestError(
        fmt::format("request.variant.path: expected auto, fork, vfork or posix_spawn, got \"{}\"", name));
  return *chosen;
}

std::string Adapter::implementation_id(const Json& variant) const {
  return spawn_core_driver::implementation_id(path_of(variant));
}

namespace {

// {int_like: N}, a typed umask or env {none: true}: values only a Python caller has, for columns with the
// python_values feature (the runner never sends them here). spawn_core's options are C types.
std::optional<std::string> python_value_in(const std::string& kind, const Json& spec) {
  for (const char* key : {"umask", "process_group", "setpgroup", "env"}) {
    const Json* value = kit::member(spec, key, "scenario.spawn." + kind);
    if (value && value->is_object() && (key != std::string_view("env") || *value == Json{{"none", true}}))
      return fmt::format("scenario.spawn.{}.{} is a Python value ({}): spawn_core's option is a C type", kind, key,
                         value->dump());
  }
  // A flag's str or None has the truth value 3.13 computes; an object with __int__ only is not a value here.
  for (const char* key : {"restore_signals", "start_new_session", "resetids", "setsid"}) {
    const Json* value = kit::member(spec, key, "scenario.spawn." + kind);
    if (value && value->is_object() && value->contains("int_like"))
      return fmt::format("scenario.spawn.{}.{} is a Python value ({}): spawn_core's option is a C type", kind, key,
                         value->dump());
  }
  return std::nullopt;
}

}  // namespace

StartedChild Adapter::start(const std::string& kind, const Json& spec, const SpawnContext& context) const {
  if (auto why = python_value_in(kind, spec)) return StartedChild{.skip = *why};
  if (kind == "popen") return start_popen(spec, context, path_of(context.variant));
  return start_posix_spawn(spec, kind == "posix_spawnp", context);
}

std::optional<std::string> Adapter::popen_skip_reason(const Json& spec, const SpawnContext& context) const {
  if (auto why = python_value_in("popen", spec)) return why;
  return spawn_core_driver::popen_skip_reason(spec, context, path_of(context.variant));
}

}  // namespace spawn_core_driver
