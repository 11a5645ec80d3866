#include "normalize/field_names.hpp"

#include <algorithm>
#include <array>

namespace fdconform {
namespace {

bool is_fd_number(std::string_view digits) {
  return !digits.empty() && digits.size() <= 5 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_fd_field(std::string_view field, std::string_view fd_prefix) {
  if (!field.starts_with(fd_prefix)) return false;
  std::string_view rest = field.substr(fd_prefix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return is_fd_number(rest);
  std::string_view suffix = rest.substr(dot + 1);
  return is_fd_number(rest.substr(0, dot)) && (suffix == "offset" || suffix == "shares" || suffix == "pipe_size");
}

bool is_observation_field(std::string_view field) {
  static constexpr std::array<std::string_view, 47> fixed = {
      "outcome",       "outcome.error_class",   "outcome.errno",         "outcome.filename",      "child.fds",
      "outcome.filename2", "outcome.strerror",    "outcome.message",       "child.argv",
      "child.session", "child.pgroup",          "child.umask",           "child.signals.ignored",
      "child.signals.caught", "child.signals.blocked", "child.cwd",     "child.env",
      "child.uid",     "child.euid",            "child.gid",             "child.egid",
      "child.groups",  "parent_after.fds",
      "child.signals.libc_internal_ignored", "child.signals.libc_internal_caught",
      "child.signals.libc_internal_blocked",
      "child.rlimit_nofile.soft", "child.rlimit_nofile.hard", "child.sched.policy", "child.sched.priority",
      "parent_after.umask", "parent_after.cwd", "parent_after.env",
      "parent_after.signals.ignored", "parent_after.signals.caught", "parent_after.signals.blocked",
      "parent_after.uid", "parent_after.euid", "parent_after.gid", "parent_after.egid", "parent_after.groups",
      "parent_after.sid", "parent_after.pgid",
      "parent_after.rlimit_nofile.soft", "parent_after.rlimit_nofile.hard", "parent_after.children",
      "parent_after.audit",
  };
  if (std::find(fixed.begin(), fixed.end(), field) != fixed.end()) return true;
  return is_fd_field(field, "child.fd.") || is_fd_field(field, "parent_after.fd.");
}

}  // namespace fdconform
