// {probe}, {probe_dir} and {workdir} in scenario strings, and the run-time
// values of the scenario parent: {parent_pid}, {parent_pgid}, {parent_sid},
// {uid}, {gid} (its real ids); in a steps scenario {pid:NAME}, the pid of
// an earlier spawn's child.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kit {

struct PlaceholderValues {
  std::string probe;
  std::string probe_dir;
  std::string workdir;
  std::string parent_pid, parent_pgid, parent_sid, uid, gid;
  std::vector<std::pair<std::string, std::string>> child_pids;  // "{pid:NAME}" -> pid, in spawn order
};

// The values for the calling process, which must be the scenario parent.
PlaceholderValues placeholders_for_this_process(std::string probe, std::string probe_dir, std::string workdir);

std::string substitute_placeholders(const std::string& text, const PlaceholderValues& values);

}  // namespace kit
