#include "scenario/signal_names.hpp"

#include <csignal>
#include <fmt/format.h>

namespace fdconform {
namespace {

struct NamedSignal {
  std::string_view name;
  int number;
};

constexpr NamedSignal classic_signals[] = {
    {"SIGHUP", SIGHUP},       {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT},     {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP},     {"SIGABRT", SIGABRT},     {"SIGBUS", SIGBUS},       {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL},     {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV},     {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE},     {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM},     {"SIGSTKFLT", SIGSTKFLT},
    {"SIGCHLD", SIGCHLD},     {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP},     {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN},     {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},       {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ},     {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},     {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},         {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
};

// Parses the N of "SIGRTMIN+N" strictly: decimal digits only, no sign, no leading garbage.
std::optional<int> small_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::optional<int> signal_number(std::string_view name) {
  for (const auto& s : classic_signals)
    if (s.name == name) return s.number;
  const int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
  if (name == "SIGRTMIN") return rtmin;
  if (name == "SIGRTMAX") return rtmax;
  if (name.starts_with("SIGRTMIN+")) {
    auto n = small_number(name.substr(9));
    if (n && rtmin + *n <= rtmax) return rtmin + *n;
  }
  if (name.starts_with("SIGRTMAX-")) {
    auto n = small_number(name.substr(9));
    if (n && rtmax - *n >= rtmin) return rtmax - *n;
  }
  return std::nullopt;
}

std::string signal_name(int number) {
  for (const auto& s : classic_signals)
    if (s.number == number) return std::string(s.name);
  const int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
  if (number == rtmin) return "SIGRTMIN";
  if (number == rtmax) return "SIGRTMAX";
  if (number > rtmin && number < rtmax) return fmt::format("SIGRTMIN+{}", number - rtmin);
  return fmt::format("SIG{}", number);
}

}  // namespace fdconform
