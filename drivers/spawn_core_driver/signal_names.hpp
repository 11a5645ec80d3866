// Signal names as scenarios and snapshots spell them: SIGHUP ... SIGSYS, then
// SIGRTMIN, SIGRTMIN+N ... SIGRTMAX-N, SIGRTMAX. The same convention as the
// runner's scenario/signal_names (which this driver cannot link: it belongs to
// the runner library); numbers glibc keeps for itself (32, 33) print as SIG32.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace driver {

std::optional<int> signal_from_name(std::string_view name);
std::string name_of_signal(int number);

}  // namespace driver
