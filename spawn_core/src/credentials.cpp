#include "credentials.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "python_repr.hpp"
#include "spawn_core/spawn_error.hpp"

namespace spawn_core::detail {

namespace {

// The _r lookups need a caller buffer whose size is only a hint; grow on ERANGE.
template <typename Entry, typename Lookup>
bool lookup_entry(const std::string& name, Entry& entry, std::vector<char>& buffer, Lookup lookup) {
  buffer.resize(1024);
  while (true) {
    Entry* result = nullptr;
    const int rc = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    return rc == 0 && result != nullptr;
  }
}

// A number as CPython's Popen takes it: negative is the caller's mistake (a ValueError raised before
// anything else happens), and one above the type's range the converter's OverflowError.
template <typename Id>
Id checked_id(long long id, const char* what, const char* short_name) {
  if (id < 0) throw SpawnError::invalid_argument("ValueError", fmt::format("{} ID cannot be negative, got {}", what, id));
  if (static_cast<unsigned long long>(id) > static_cast<unsigned long long>(static_cast<Id>(-1)))
    throw SpawnError::invalid_argument("OverflowError", fmt::format("{} is less than minimum", short_name));
  return static_cast<Id>(id);
}

gid_t resolve_group(const GroupSpec& spec) {
  if (const long long* id = std::get_if<long long>(&spec)) return checked_id<gid_t>(*id, "Group", "gid");
  const auto& name = std::get<std::string>(spec);
  struct group entry {};
  std::vector<char> buffer;
  if (!lookup_entry(name, entry, buffer, getgrnam_r)) {
    throw SpawnError::invalid_argument("KeyError", fmt::format("getgrnam(): name not found: {}", python_repr(name)));
  }
  return entry.gr_gid;
}

// An extra group as _posixsubprocess converts it: a number no gid_t holds is ValueError "invalid group
// id" there (the message of the whole list's conversion), not the OverflowError group= gives.
gid_t resolve_extra_group(const GroupSpec& spec) {
  const long long* id = std::get_if<long long>(&spec);
  if (id && *id >= 0 && static_cast<unsigned long long>(*id) > std::numeric_limits<gid_t>::max())
    throw SpawnError::invalid_argument("ValueError", "invalid group id");
  return resolve_group(spec);
}

uid_t resolve_user(const UserSpec& spec) {
  if (const long long* id = std::get_if<long long>(&spec)) return checked_id<uid_t>(*id, "User", "uid");
  const auto& name = std::get<std::string>(spec);
  struct passwd entry {};
  std::vector<char> buffer;
  if (!lookup_entry(name, entry, buffer, getpwnam_r)) {
    throw SpawnError::invalid_argument("KeyError", fmt::format("getpwnam(): name not found: {}", python_repr(name)));
  }
  return entry.pw_uid;
}

}  // namespace

Credentials resolve_credentials(const Command& command) {
  Credentials credentials;
  // CPython's order: group, extra_groups, then user (Popen.__init__).
  if (command.group) {
    const gid_t gid = resolve_group(*command.group);
    // (gid_t)-1 means "no change" to the C code (3.12.1+), so it is not a change.
    if (gid != static_cast<gid_t>(-1)) credentials.gid = gid;
  }
  if (command.extra_groups) {
    std::vector<gid_t> groups;
    for (const auto& spec : *command.extra_groups) groups.push_back(resolve_extra_group(spec));
    if (groups.size() > static_cast<size_t>(sysconf(_SC_NGROUPS_MAX))) {
      throw SpawnError::invalid_argument("ValueError", "too many extra_groups");
    }
    credentials.groups = std::move(groups);
  }
  if (command.user) {
    const uid_t uid = resolve_user(*command.user);
    if (uid != static_cast<uid_t>(-1)) credentials.uid = uid;
  }
  return credentials;
}

}  // namespace spawn_core::detail
