#include "run/environment.hpp"

#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "session/child_process.hpp"

namespace fdconform {
namespace {

std::string line_value(const std::string& file, const std::string& prefix, char separator) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(prefix)) continue;
    auto at = line.find(separator);
    if (at == std::string::npos) continue;
    std::string value = line.substr(at + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '"')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '"' || value.back() == ' ')) value.pop_back();
    return value;
  }
  return "";
}

}  // namespace

nlohmann::json describe_environment() {
  struct utsname u {};
  ::uname(&u);
  char date[32] = "";
  std::time_t now = std::time(nullptr);
  std::tm tm {};
  ::gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return {{"host", u.nodename},
          {"kernel", u.release},
          {"libc", fmt::format("glibc {}", ::gnu_get_libc_version())},
          {"distribution", line_value("/etc/os-release", "PRETTY_NAME=", '=')},
          {"cpu", line_value("/proc/cpuinfo", "model name", ':')},
          {"cores", std::thread::hardware_concurrency()},
          {"date", date},
          {"root", ::geteuid() == 0}};
}

nlohmann::json describe_fdconform(const std::string& source_dir) {
  auto git = run_and_capture({"git", "-C", source_dir, "rev-parse", "--short", "HEAD"}, std::chrono::seconds(5));
  std::string commit = git.ok ? git.out : "";
  while (!commit.empty() && commit.back() == '\n') commit.pop_back();
  return {{"version", FDCONFORM_VERSION}, {"commit", commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(commit)}};
}

}  // namespace fdconform
