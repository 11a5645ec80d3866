#include "session/installation.hpp"

#include <unistd.h>

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

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

Installation find_installation(std::string binary_dir) {
  if (binary_dir.empty()) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    binary_dir = ec ? std::string(".") : exe.parent_path().string();
  }
  Installation inst;
  const std::string built_probe = lexically_joined(binary_dir, FDCONFORM_PROBE_RELATIVE);
  const std::string libexec_dir = lexically_joined(binary_dir, FDCONFORM_INSTALL_LIBEXEC_RELATIVE);
  // The build tree wins when both could apply, so a build keeps using what it just built.
  inst.installed = !executable(built_probe) && executable(libexec_dir + "/fdconform-probe");
  if (inst.installed) {
    inst.drivers_dir = libexec_dir + "/drivers";
    inst.probe = libexec_dir + "/fdconform-probe";
    inst.data_dir = lexically_joined(binary_dir, FDCONFORM_INSTALL_DATA_RELATIVE);
  } else {
    inst.drivers_dir = lexically_joined(binary_dir, FDCONFORM_DRIVERS_RELATIVE);
    inst.probe = built_probe;
    inst.data_dir = FDCONFORM_SOURCE_DIR_DEFAULT;
  }
  if (auto dir = env_or_empty("FDCONFORM_DRIVERS_DIR"); !dir.empty()) inst.drivers_dir = dir;
  if (auto probe = env_or_empty("FDCONFORM_PROBE"); !probe.empty()) inst.probe = probe;
  if (auto source = env_or_empty("FDCONFORM_SOURCE_DIR"); !source.empty()) inst.data_dir = source;
  inst.scenarios_dir = lexically_joined(inst.data_dir, "scenarios");
  inst.expectations_dir = lexically_joined(inst.data_dir, "expectations");
  return inst;
}

}  // namespace fdconform
