#include "fdconform_common/signal_names.hpp"

#include <csignal>

namespace fdconform_common {
namespace {

// Indexed by number; Linux numbers the classic signals the same on every
// architecture this project builds for (x86-64, arm64).
constexpr std::string_view classic_names[] = {
    {},          "SIGHUP",  "SIGINT",  "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT",   "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",   "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
constexpr int last_classic = 31;

// The N of "SIGRTMIN+N": decimal digits only, no sign, at most three.
std::optional<int> small_decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<int> signal_number(std::string_view name) {
  for (int number = 1; number <= last_classic; ++number)
    if (classic_names[number] == name) return number;
  const int low = SIGRTMIN, high = SIGRTMAX;
  if (name == "SIGRTMIN") return low;
  if (name == "SIGRTMAX") return high;
  if (name.starts_with("SIGRTMIN+"))
    if (auto n = small_decimal(name.substr(9)); n && low + *n <= high) return low + *n;
  if (name.starts_with("SIGRTMAX-"))
    if (auto n = small_decimal(name.substr(9)); n && high - *n >= low) return high - *n;
  return std::nullopt;
}

std::string signal_name(int number) {
  if (number >= 1 && number <= last_classic) return std::string(classic_names[number]);
  const int low = SIGRTMIN, high = SIGRTMAX;
  if (number == low) return "SIGRTMIN";
  if (number == high) return "SIGRTMAX";
  if (number > low && number < high) return "SIGRTMIN+" + std::to_string(number - low);
  return "SIG" + std::to_string(number);
}

}  // namespace fdconform_common
