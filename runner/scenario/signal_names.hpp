#pragma once
// Linux signal names as scenarios and observations spell them (SIGHUP ... SIGSYS, SIGRTMIN+N, SIGRTMAX-N).
#include <optional>
#include <string>
#include <string_view>

namespace fdconform {

// The signal number for a name, or nullopt when it names no signal of this system.
std::optional<int> signal_number(std::string_view name);

// The canonical name for a number: classic names, then SIGRTMIN, SIGRTMIN+N ... SIGRTMAX.
std::string signal_name(int number);

}  // namespace fdconform
