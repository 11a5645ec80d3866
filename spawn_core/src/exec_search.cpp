#include "exec_search.hpp"

#include <cstdlib>

namespace spawn_core::detail {

bool has_directory_part(const std::string& name) { return name.find('/') != std::string::npos; }

std::optional<std::string> search_path_of(const std::optional<EnvList>& env) {
  if (env) {
    for (const auto& [key, value] : *env) {
      if (key == "PATH") return value;
    }
    return std::nullopt;
  }
  if (const char* path = std::getenv("PATH")) return std::string(path);
  return std::nullopt;
}

std::vector<std::string> exec_candidates(const std::string& executable, const std::optional<EnvList>& env) {
  if (has_directory_part(executable)) return {executable};
  const std::string path = search_path_of(env).value_or(kDefaultSearchPath);
  std::vector<std::string> candidates;
  size_t start = 0;
  while (true) {
    const size_t colon = path.find(':', start);
    const std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    // os.path.join: an empty directory yields the bare name; no doubled slash.
    if (dir.empty()) {
      candidates.push_back(executable);
    } else if (dir.back() == '/') {
      candidates.push_back(dir + executable);
    } else {
      candidates.push_back(dir + "/" + executable);
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return candidates;
}

}  // namespace spawn_core::detail
