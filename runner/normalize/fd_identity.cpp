#include "normalize/fd_identity.hpp"

#include <fmt/format.h>

#include <map>

namespace fdconform {
namespace {

long long number_or(const nlohmann::json& j, const char* key, long long fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<long long>() : fallback;
}

std::string string_or(const nlohmann::json& j, const char* key, std::string fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

long long fd_number(const nlohmann::json& entry) { return number_or(entry, "fd", -1); }
std::string fd_kind(const nlohmann::json& entry) { return string_or(entry, "kind", "unknown"); }

FdNamer::FdNamer(const nlohmann::json& parent) {
  std::map<long long, std::string> names_by_fd;
  if (parent.is_object() && parent.contains("resources") && parent["resources"].is_object())
    for (const auto& [name, fd] : parent["resources"].items())
      if (fd.is_number_integer()) names_by_fd[fd.get<long long>()] = name;
  if (!parent.is_object() || !parent.contains("fds") || !parent["fds"].is_array()) return;
  for (const auto& e : parent["fds"]) {
    ParentFd p{fd_number(e), number_or(e, "dev", -1), number_or(e, "ino", -1), string_or(e, "access", ""),
               fd_kind(e), ""};
    auto named = names_by_fd.find(p.fd);
    p.name = named != names_by_fd.end() ? named->second : "";
    fds_.push_back(std::move(p));
  }
  // An fd the scenario did not name but that is another name's open file (a
  // copy os.dup2 made between two spawns) is that resource, as in a child.
  for (auto& p : fds_) {
    if (!p.name.empty()) continue;
    for (const auto& other : fds_)
      if (!other.name.empty() && !other.name.starts_with("unknown:") && other.dev == p.dev && other.ino == p.ino &&
          other.access == p.access) {
        p.name = other.name;
        break;
      }
    if (p.name.empty()) p.name = "unknown:" + p.kind;
  }
}

std::string FdNamer::name_of(const nlohmann::json& entry) const {
  long long fd = fd_number(entry), dev = number_or(entry, "dev", -2), ino = number_or(entry, "ino", -2);
  std::string access = string_or(entry, "access", "");
  const ParentFd* best = nullptr;
  for (const auto& p : fds_) {
    if (p.dev != dev || p.ino != ino || p.access != access) continue;
    if (p.fd == fd) return p.name;  // same number and identity: surely the same resource
    if (!best) best = &p;
  }
  if (best) return best->name;
  std::string kind = fd_kind(entry);
  // Not a parent fd: something the spawn itself created.
  if (kind == "pipe") return "popen.pipe";
  if (string_or(entry, "path", "") == "/dev/null") return "devnull";
  return "unknown:" + kind;
}

std::string FdNamer::parent_name(long long fd) const {
  for (const auto& p : fds_)
    if (p.fd == fd) return p.name;
  return "unknown:closed";
}

}  // namespace fdconform
