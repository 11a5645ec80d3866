// Linux signal names as scenarios, snapshots and probe reports spell them:
// SIGHUP ... SIGSYS, then SIGRTMIN, SIGRTMIN+N ... SIGRTMAX. Numbers that have
// no such name (glibc keeps 32 and 33 for itself) print as SIG32, SIG33.
// One table for the probe, the drivers and the runner, so that a name written
// by one is always read back as the same number by another.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fdconform_common {

// The number a name stands for on this system; nullopt when it names none.
// Accepts SIGRTMIN+N and SIGRTMAX-N with N in decimal, inside the real-time range.
std::optional<int> signal_number(std::string_view name);

// The canonical name of a signal number.
std::string signal_name(int number);

}  // namespace fdconform_common
