#include "run/workdir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <vector>

namespace fdconform {

RunDirectory::RunDirectory() {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : "/tmp";
  std::string pattern = base + "/fdconform-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) {
    error_ = fmt::format("cannot create a temporary directory under {}: {}", base, std::strerror(errno));
    return;
  }
  std::error_code ec;
  auto real = std::filesystem::canonical(buffer.data(), ec);
  path_ = ec ? std::string(buffer.data()) : real.string();
  ::chmod(path_.c_str(), 0755);  // cell dirs inside must be reachable by a probe running as nobody
}

std::string RunDirectory::check_room(std::size_t cells) const {
  // The probe is handed its report path whole (--report=<cell>/probe.json); past PATH_MAX every probe
  // fails to report, the same way in every column.
  std::string longest = fmt::format("{}/cell-{}/probe.json", path_, cells == 0 ? 0 : cells - 1);
  if (longest.size() < PATH_MAX) return {};
  return fmt::format("TMPDIR is too deep: {} leaves too little of PATH_MAX ({} bytes) for the cells' files, such as "
                     "{} ({} bytes)",
                     path_, PATH_MAX, longest, longest.size());
}

RunDirectory::~RunDirectory() {
  if (!path_.empty()) remove_tree(path_);
}

std::string RunDirectory::make_cell_dir(long long number, std::string* error) {
  std::string dir = fmt::format("{}/cell-{}", path_, number);
  if (::mkdir(dir.c_str(), 0777) != 0) {
    if (error) *error = fmt::format("cannot create the cell's working directory {}: {}", dir, std::strerror(errno));
    return {};
  }
  ::chmod(dir.c_str(), 0777);  // mkdir's mode is filtered by the umask
  return dir;
}

void RunDirectory::remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace fdconform
