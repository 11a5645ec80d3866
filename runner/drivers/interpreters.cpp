#include "drivers/interpreters.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <set>
#include <sstream>

#include "drivers/child_process.hpp"
#include "scenario/version_gate.hpp"

namespace fdconform {

std::optional<std::string> default_interpreter() {
  if (::access("/usr/bin/python3", X_OK) == 0) return std::string("/usr/bin/python3");
  return resolve_executable("python3");
}

namespace {

// The first python3 in the user's $PATH (the drivers' own PATH is fixed:
// resolve_executable), passing over pyenv's shims, which only forward to one
// of the versions discovered under the pyenv root.
std::optional<std::string> python3_on_user_path() {
  const char* path = std::getenv("PATH");
  std::string without_shims;
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && !dir.ends_with("/shims")) without_shims += (without_shims.empty() ? "" : ":") + dir;
  return find_in_directories("python3", without_shims);
}

}  // namespace

std::string pyenv_root() {
  const char* root = std::getenv("PYENV_ROOT");
  if (root && *root) return root;
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.pyenv" : std::string();
}

std::vector<std::string> all_interpreters() {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  std::error_code ec;
  // root's pyenv too, as before PYENV_ROOT was read: a run under another
  // HOME (sudo, CI) still finds the machine's interpreters.
  for (const std::string& root : {pyenv_root(), std::string("/root/.pyenv")}) {
    if (root.empty()) continue;
    for (fs::directory_iterator it(root + "/versions", ec), end; !ec && it != end; it.increment(ec))
      candidates.push_back((it->path() / "bin" / "python3").string());
  }
  for (fs::directory_iterator it("/usr/bin", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    // python3.N exactly: not python3.N-config, not python3.Nm.
    if (name.starts_with("python3.") && name.size() > 8 &&
        std::all_of(name.begin() + 8, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      candidates.push_back(it->path().string());
  }
  std::sort(candidates.begin(), candidates.end());
  // Last, so that a version found above keeps its own path as the column's interpreter.
  if (auto on_path = python3_on_user_path()) candidates.push_back(*on_path);
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) != 0) continue;
    auto real = fs::canonical(c, ec);
    if (ec) continue;
    if (seen.insert(real.string()).second) out.push_back(c);
  }
  return out;
}

std::optional<Interpreter> query_interpreter(const std::string& path, std::string& error) {
  if (!resolve_executable(path)) {
    error = fmt::format("Python interpreter not found: {}", path);
    return std::nullopt;
  }
  auto run = run_and_capture({path, "-I", "-S", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"},
                             std::chrono::seconds(20));
  std::string version = run.out;
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
  if (!run.ok || !is_dotted_version(version)) {
    error = fmt::format("cannot ask {} for its version: {}", path, run.ok ? "unexpected output '" + version + "'" : run.error);
    return std::nullopt;
  }
  return Interpreter{path, version};
}

DriverDescriptor oracle_descriptor(const Interpreter& interpreter, const Installation& installation) {
  DriverDescriptor d{"cpython-" + interpreter.version, {interpreter.path, "-I", "-S", installation.oracle_script}};
  d.reference_rank = "1." + interpreter.version;  // the newest CPython is the default reference
  d.rerun = {"--oracle", interpreter.path};
  d.files = {installation.oracle_script};
  return d;
}

std::vector<DriverDescriptor> spawn_core_descriptors(const Installation& installation) {
  std::vector<DriverDescriptor> out;
  for (const char* path : {"auto", "fork", "vfork", "posix_spawn"})
    out.push_back({fmt::format("spawn_core-{}", path), {installation.spawn_core_driver}, {{"path", path}}});
  out.front().reference_rank = "0.1";  // spawn_core-auto: the reference only when no CPython runs
  return out;
}

}  // namespace fdconform
