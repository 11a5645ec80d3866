// user/group/extra_groups resolved to ids in the parent (getpwnam_r/getgrnam_r),
// as CPython's Popen.__init__ does with pwd/grp.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "spawn_core/command.hpp"

namespace spawn_core::detail {

struct Credentials {
  std::optional<uid_t> uid;                  // setreuid(uid, uid) when present
  std::optional<gid_t> gid;                  // setregid(gid, gid) when present
  std::optional<std::vector<gid_t>> groups;  // setgroups(n, groups) when present, even empty

  bool changes_anything() const { return uid || gid || groups; }
};

// Throws SpawnError (KeyError, ValueError) for unknown names or too many groups.
Credentials resolve_credentials(const Command& command);

}  // namespace spawn_core::detail
