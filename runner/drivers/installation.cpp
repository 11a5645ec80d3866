#include "drivers/installation.hpp"

#include <cstdlib>
#include <filesystem>

namespace fdconform {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string();
}

std::string lexically_joined(const std::string& dir, const std::string& relative) {
  return (std::filesystem::path(dir) / relative).lexically_normal().string();
}

}  // namespace

Installation find_installation(std::string binary_dir) {
  if (binary_dir.empty()) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    binary_dir = ec ? std::string(".") : exe.parent_path().string();
  }
  Installation inst;
  inst.spawn_core_driver = lexically_joined(binary_dir, FDCONFORM_DRIVER_RELATIVE);
  if (auto dir = env_or_empty("FDCONFORM_DRIVER_DIR"); !dir.empty())
    inst.spawn_core_driver = lexically_joined(dir, "fdconform-driver-spawn-core");
  inst.probe = lexically_joined(binary_dir, FDCONFORM_PROBE_RELATIVE);
  if (auto probe = env_or_empty("FDCONFORM_PROBE"); !probe.empty()) inst.probe = probe;
  std::string source = env_or_empty("FDCONFORM_SOURCE_DIR");
  if (source.empty()) source = FDCONFORM_SOURCE_DIR_DEFAULT;
  inst.oracle_script = lexically_joined(source, "oracle/fdconform_oracle.py");
  inst.cpython_ext_dir = lexically_joined(binary_dir, FDCONFORM_CPYTHON_EXT_RELATIVE);
  inst.cpython_tests_script = lexically_joined(source, "cpython_ext/run-cpython-tests");
  inst.cpython_tests_expectations = lexically_joined(source, "expectations/cpython-tests/test_subprocess.yaml");
  return inst;
}

}  // namespace fdconform
