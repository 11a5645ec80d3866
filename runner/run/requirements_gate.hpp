#pragma once
// Whether a scenario applies to an implementation on this host (`requires:`), decided by the runner.
#include <optional>
#include <string>

#include "scenario/scenario.hpp"
#include "session/driver_session.hpp"

namespace fdconform {

struct HostFacts {
  bool root = false;
  std::string kernel;  // uname release
  std::optional<long long> nofile_hard;  // the hard RLIMIT_NOFILE drivers inherit; nullopt: unlimited

  static HostFacts current();
};

// The skip reason, or nullopt when the cell should run.
std::optional<std::string> skip_reason(const Requirements& requires_, const DriverHello& hello, const HostFacts& host);

}  // namespace fdconform
