#include "signal_names.hpp"

#include <csignal>

#include <fmt/format.h>

namespace driver {
namespace {

struct NamedSignal {
  const char* name;
  int number;
};

constexpr NamedSignal standard_signals[] = {
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT},   {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},     {"SIGBUS", SIGBUS},     {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV},   {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM},   {"SIGSTKFLT", SIGSTKFLT},
    {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP},   {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},     {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},   {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},     {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
};

std::optional<int> decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<int> signal_from_name(std::string_view name) {
  for (const auto& s : standard_signals)
    if (name == s.name) return s.number;
  const int low = SIGRTMIN, high = SIGRTMAX;
  if (name == "SIGRTMIN") return low;
  if (name == "SIGRTMAX") return high;
  if (name.starts_with("SIGRTMIN+"))
    if (auto n = decimal(name.substr(9)); n && low + *n <= high) return low + *n;
  if (name.starts_with("SIGRTMAX-"))
    if (auto n = decimal(name.substr(9)); n && high - *n >= low) return high - *n;
  return std::nullopt;
}

std::string name_of_signal(int number) {
  for (const auto& s : standard_signals)
    if (number == s.number) return s.name;
  const int low = SIGRTMIN, high = SIGRTMAX;
  if (number == low) return "SIGRTMIN";
  if (number == high) return "SIGRTMAX";
  if (number > low && number < high) return fmt::format("SIGRTMIN+{}", number - low);
  return fmt::format("SIG{}", number);
}

}  // namespace driver
