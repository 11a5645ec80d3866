#include "parent_snapshot.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "fdconform_snapshot/snapshot.hpp"

namespace kit {

Json take_parent_snapshot(int hidden_fd) {
  namespace snap = fdconform_snapshot;
  snap::Snapshot snapshot;
  snapshot.process = snap::read_process_state();  // before the room changes the soft limit it reports
  snapshot.signals = snap::read_signal_state();
  {
    snap::DescriptorRoom room;
    // An empty table would read as "the parent closed everything": fail instead.
    if (!snap::read_fd_table(snapshot.fds, hidden_fd))
      throw std::system_error(errno, std::generic_category(), "cannot list /proc/self/fd for a parent snapshot");
    if (!snap::read_children(snapshot.children))
      throw std::system_error(errno, std::generic_category(), "cannot list /proc/self/task for a parent snapshot");
  }
  return Json::parse(snap::to_json(snapshot, snap::Shape::parent));
}

// parent.resources of the result: the standard fds still holding the driver's
// parent.* files, then every named resource.
Json resource_map(const PreparedParent& prepared) {
  Json map = Json::object();
  const char* std_names[] = {"parent.stdin", "parent.stdout", "parent.stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    bool closed = std::find(prepared.closed_std.begin(), prepared.closed_std.end(), fd) != prepared.closed_std.end();
    bool replaced = false;
    for (const auto& [name, resource_fd] : prepared.resources.named_fds()) replaced = replaced || resource_fd == fd;
    if (!closed && !replaced && !prepared.resources.is_gone(std_names[fd])) map[std_names[fd]] = fd;
  }
  for (const auto& [name, fd] : prepared.resources.named_fds())
    if (!prepared.resources.is_gone(name)) map[name] = fd;
  return map;
}

Json read_probe_report(const std::string& path, std::string& diagnostics) {
  std::ifstream file(path);
  if (!file) return nullptr;
  std::stringstream text;
  text << file.rdbuf();
  Json report = Json::parse(text.str(), nullptr, false);
  if (report.is_discarded()) {
    diagnostics += fmt::format("the probe report {} is not valid JSON\n", path);
    return nullptr;
  }
  return report;
}

}  // namespace kit
