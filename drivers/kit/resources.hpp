// parent.resources: files, dirs, /dev/null, memfd, eventfd, pipes and socket
// pairs created in the scenario parent, each at its fixed fd or where the
// kernel puts it, with the inheritable flag the scenario asks for.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json_access.hpp"

namespace kit {

// The highest fd a scenario may name (docs/SCENARIO_FORMAT.md); above 1023 it needs parent.nofile_limit.
inline constexpr long long max_scenario_fd = 65535;

class ResourceTable {
 public:
  // Names in creation order: "log", "p.read", "p.write", "s.a", ...
  const std::vector<std::pair<std::string, int>>& named_fds() const { return named_fds_; }
  std::optional<int> fd_of(const std::string& name) const;
  // A dir resource's path as the scenario wrote it (relative to the workdir).
  std::optional<std::string> dir_path_of(const std::string& name) const;

  // A reference in the scenario: an fd number, or a resource name. Throws RequestError.
  // `negative_allowed`: a spawn call's argument that may be negative on purpose.
  int resolve_fd(const Json& reference, const std::string& where, bool negative_allowed = false) const;

  void add(std::string name, int fd) { named_fds_.emplace_back(std::move(name), fd); }
  // A steps scenario closed `fd` or put another file on it (fds 0-2 included):
  // the names it had no longer describe it in a snapshot's resource map, but
  // still resolve for the steps that name them.
  void forget_fd(int fd);
  void forget_name(const std::string& name) { gone_.push_back(name); }
  bool is_gone(const std::string& name) const;
  void add_dir(std::string name, std::string path) { dir_paths_.emplace_back(std::move(name), std::move(path)); }

 private:
  std::vector<std::pair<std::string, int>> named_fds_;
  std::vector<std::pair<std::string, std::string>> dir_paths_;
  std::vector<std::string> gone_;
};

// Creates parent.resources in order. Throws RequestError (bad scenario) or
// std::system_error (a system call failed).
// `confined`: every path stays beneath the cwd (the workdir), see confined_paths.hpp.
ResourceTable create_resources(const Json& parent_block, bool confined);

}  // namespace kit
