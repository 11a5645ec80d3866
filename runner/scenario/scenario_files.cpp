#include "scenario/scenario_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace fdconform {

ScenarioFiles find_scenario_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  ScenarioFiles out;
  for (const auto& path : paths) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back(fmt::format("{}: no such file or directory", path));
      continue;
    }
    if (!fs::is_directory(status)) {
      out.files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".yaml") found.push_back(it->path().string());
    }
    if (ec) out.errors.push_back(fmt::format("{}: cannot list directory: {}", path, ec.message()));
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace fdconform
