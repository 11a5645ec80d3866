#pragma once
// Names fds by the parent resource they are, using (dev, ino, access) identities from the parent snapshot.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fdconform {

class FdNamer {
 public:
  // `parent` is the result's parent snapshot: its "fds" and its "resources" map (name -> fd).
  explicit FdNamer(const nlohmann::json& parent);

  // The name of an fd entry seen in another process (the probe, or the parent after the spawn).
  // Ties between parent fds of one identity (a resource dup'ed twice) go to the same fd number, else the lowest.
  std::string name_of(const nlohmann::json& fd_entry) const;

  // The name of the parent's own fd N at snapshot time.
  std::string parent_name(long long fd) const;

 private:
  struct ParentFd {
    long long fd;
    long long dev, ino;
    std::string access;
    std::string kind;
    std::string name;
  };
  std::vector<ParentFd> fds_;
};

// Fields of an fd entry, tolerant of absent or mistyped values.
long long fd_number(const nlohmann::json& entry);
std::string fd_kind(const nlohmann::json& entry);

}  // namespace fdconform
