#include "scenario/scenario_files.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "scenario/text_checks.hpp"

namespace fdconform {
namespace {

namespace fs = std::filesystem;

std::string yml_error(const fs::path& path) {
  return fmt::format("{}: a .yml file: scenarios are named <id>.yaml; rename it to {}", path.string(),
                     fs::path(path).replace_extension(".yaml").filename().string());
}

// What a path is once symbolic links are followed; an error naming it otherwise.
std::optional<std::string> not_a_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fmt::format("{}: cannot read: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fmt::format("{}: {}, expected a regular file", path, file_kind(st.st_mode));
  return std::nullopt;
}

}  // namespace

ScenarioFiles find_scenario_files(const std::vector<std::string>& paths) {
  ScenarioFiles out;
  for (const auto& path : paths) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back(fmt::format("{}: no such file or directory", path));
      continue;
    }
    if (!fs::is_directory(status)) {
      if (fs::path(path).extension() == ".yml") out.errors.push_back(yml_error(path));
      else if (auto problem = not_a_regular_file(path)) out.errors.push_back(*problem);
      else out.files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    std::vector<std::string> problems;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      const auto extension = it->path().extension();
      if (extension == ".yml") {
        problems.push_back(yml_error(it->path()));
        continue;
      }
      if (extension != ".yaml") continue;
      std::error_code type_ec;
      // A directory named x.yaml is walked into like any other.
      if (it->is_directory(type_ec)) continue;
      if (auto problem = not_a_regular_file(it->path().string())) problems.push_back(*problem);
      else found.push_back(it->path().string());
    }
    if (ec) out.errors.push_back(fmt::format("{}: cannot list directory: {}", path, ec.message()));
    else if (found.empty() && problems.empty())
      out.errors.push_back(fmt::format("{}: no scenario files (*.yaml) in this directory", path));
    std::sort(found.begin(), found.end());
    std::sort(problems.begin(), problems.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
    out.errors.insert(out.errors.end(), problems.begin(), problems.end());
  }
  return out;
}

}  // namespace fdconform
