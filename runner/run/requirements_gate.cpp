#include "run/requirements_gate.hpp"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>

namespace fdconform {

HostFacts HostFacts::current() {
  HostFacts h;
  h.root = ::geteuid() == 0;
  struct utsname u {};
  if (::uname(&u) == 0) h.kernel = u.release;
  struct rlimit nofile {};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_max != RLIM_INFINITY)
    h.nofile_hard = static_cast<long long>(nofile.rlim_max);
  return h;
}

std::optional<std::string> skip_reason(const Requirements& r, const DriverHello& hello, const HostFacts& host) {
  if (r.root && !host.root) return std::string("needs root (requires.root)");
  if (r.non_root && host.root) return std::string("needs a non-root user (requires.non_root)");
  if (r.kernel && compare_versions_at(host.kernel, *r.kernel) < 0)
    return fmt::format("needs Linux {} or newer, this is {}", *r.kernel, host.kernel);
  if (r.nofile_limit && host.nofile_hard && *r.nofile_limit > *host.nofile_hard)
    return fmt::format("needs a hard RLIMIT_NOFILE of at least {} (parent.nofile_limit), this machine's is {}",
                       *r.nofile_limit, *host.nofile_hard);
  if (auto python = hello.semantics.find("python"); r.python && python != hello.semantics.end() &&
                                                     !r.python->admits(python->second))
    return fmt::format("needs Python {}, this follows Python {}", r.python->text, python->second);
  for (const auto& feature : r.features)
    if (std::find(hello.features.begin(), hello.features.end(), feature) == hello.features.end())
      return fmt::format("needs feature {}, which this implementation lacks", feature);
  return std::nullopt;
}

}  // namespace fdconform
