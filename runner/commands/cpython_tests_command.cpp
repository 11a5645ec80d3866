// fdconform cpython-tests: CPython's own test_subprocess on spawn_core. The
// work is done by cpython_ext/run-cpython-tests; this finds the module built
// for the interpreter and hands over.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "drivers/installation.hpp"
#include "drivers/interpreters.hpp"

namespace fdconform {
namespace {

std::string minor_of(const std::string& version) {
  auto first = version.find('.');
  auto second = version.find('.', first + 1);
  return version.substr(0, second);
}

// The module built for exactly this version, else one of the same minor
// version: CPython keeps its C ABI within a minor version.
std::string module_dir_for(const std::string& ext_dir, const std::string& version) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(fs::path(ext_dir) / version, ec)) return (fs::path(ext_dir) / version).string();
  for (const auto& entry : fs::directory_iterator(ext_dir, ec)) {
    auto name = entry.path().filename().string();
    if (entry.is_directory(ec) && minor_of(name) == minor_of(version)) return entry.path().string();
  }
  return {};
}

}  // namespace

int cpython_tests_command(const CpythonTestsOptions& options, std::ostream& err) {
  const Installation installation = find_installation();
  std::string error;
  auto interpreter = query_interpreter(options.python, error);
  if (!interpreter) {
    err << "fdconform cpython-tests: " << error << '\n';
    return 2;
  }
  std::string module_dir = options.module_dir;
  if (module_dir.empty()) module_dir = module_dir_for(installation.cpython_ext_dir, interpreter->version);
  if (module_dir.empty()) {
    err << fmt::format(
        "fdconform cpython-tests: no _fdconform_posixsubprocess was built for CPython {} ({}) in {}: the build "
        "makes one for every CPython 3.11+ whose headers it finds (Debian: python3-dev); rebuild after "
        "installing them, or pass --module-dir\n",
        interpreter->version, options.python, installation.cpython_ext_dir);
    return 2;
  }
  std::vector<std::string> args = {options.python,       installation.cpython_tests_script,
                                   "--python",           options.python,
                                   "--module-dir",       module_dir,
                                   "--expectations",     installation.cpython_tests_expectations};
  if (!options.json_file.empty()) args.insert(args.end(), {"--json", options.json_file});
  if (options.jobs > 0) args.insert(args.end(), {"-j", std::to_string(options.jobs)});
  if (options.timeout_seconds > 0) args.insert(args.end(), {"--timeout", fmt::format("{}", options.timeout_seconds)});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  err << fmt::format("fdconform cpython-tests: cannot run {}: {}\n", args[0], std::strerror(errno));
  return 2;
}

}  // namespace fdconform
