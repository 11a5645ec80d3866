#include "reports/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "reports/mismatch_text.hpp"

namespace reports {
namespace {

// Wide enough for the counters and a useful part of the names, narrow enough not to wrap on an
// 80-column terminal (a wrapped line cannot be rewritten with '\r').
constexpr std::size_t kLiveWidth = 79;

Progress::SecondsClock steady_clock_from_now() {
  auto start = std::chrono::steady_clock::now();
  return [start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
}

}  // namespace

bool is_terminal(std::ostream& out) {
  if (&out == &std::cout) return ::isatty(STDOUT_FILENO) == 1;
  if (&out == &std::cerr || &out == &std::clog) return ::isatty(STDERR_FILENO) == 1;
  return false;
}

Progress::Progress(std::ostream& out, std::size_t total, bool terminal, SecondsClock clock)
    : out_(out), total_(total), terminal_(terminal), clock_(clock ? std::move(clock) : steady_clock_from_now()) {}

std::string Progress::status_text() const {
  return fmt::format("[{}/{}] {:.1f}s  differ {}  error {}", done_, total_, clock_(),
                     counts_.count(Verdict::differ) + counts_.count(Verdict::unexpected_pass),
                     counts_.count(Verdict::error));
}

void Progress::record(std::string_view scenario, std::string_view implementation, Verdict verdict,
                      std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  ++done_;
  counts_.add(verdict);
  if (terminal_) {
    std::string line = status_text() + fmt::format("  {} on {}", single_line(scenario), single_line(implementation));
    if (line.size() > kLiveWidth) line.resize(kLiveWidth);
    // "\x1b[K" erases what a longer previous line left behind.
    out_ << '\r' << line << "\x1b[K" << std::flush;
    live_width_ = line.size();
    return;
  }
  if (counts_as_failed(verdict)) {
    out_ << "fdconform: [" << done_ << '/' << total_ << "] " << verdict_name(verdict) << ' ' << single_line(scenario)
         << " on " << single_line(implementation);
    if (!reason.empty()) out_ << ": " << single_line(reason);
    out_ << '\n';
  }
  std::size_t decile = total_ == 0 ? 10 : done_ * 10 / total_;
  if (decile > last_decile_) {
    last_decile_ = decile;
    out_ << "fdconform: " << status_text() << '\n';
  }
  out_ << std::flush;
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (terminal_ && live_width_ > 0) out_ << '\n' << std::flush;
}

}  // namespace reports
