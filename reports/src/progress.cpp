#include "reports/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
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

Progress::Progress(std::ostream& out, std::size_t total, bool terminal, SecondsClock clock, std::optional<bool> colour)
    : out_(out),
      total_(total),
      terminal_(terminal),
      colour_(colour ? *colour : terminal && !(std::getenv("NO_COLOR") && *std::getenv("NO_COLOR"))),
      clock_(clock ? std::move(clock) : steady_clock_from_now()) {}

std::string Progress::status_text(bool coloured, double seconds) const {
  auto count = [&](std::string_view label, std::size_t n) {
    std::string text = fmt::format("{} {}", label, n);
    return coloured && n > 0 ? "\x1b[1;31m" + text + "\x1b[0m" : text;
  };
  return fmt::format("[{}/{}] {:.1f}s  {}  {}", done_, total_, seconds,
                     count("differ", counts_.count(Verdict::differ) + counts_.count(Verdict::unexpected_pass)),
                     count("error", counts_.count(Verdict::error)));
}

void Progress::record(std::string_view scenario, std::string_view implementation, Verdict verdict,
                      std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  ++done_;
  counts_.add(verdict);
  if (terminal_) {
    // Cut to width on the plain text (escape sequences take no columns), then colour the counts.
    const double seconds = clock_();
    const std::string status = status_text(false, seconds);
    std::string line = status + fmt::format("  {} on {}", single_line(scenario), single_line(implementation));
    if (line.size() > kLiveWidth) line.resize(kLiveWidth);
    live_width_ = line.size();
    if (colour_ && line.size() >= status.size()) line = status_text(true, seconds) + line.substr(status.size());
    // "\x1b[K" erases what a longer previous line left behind.
    out_ << '\r' << line << "\x1b[K" << std::flush;
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
    out_ << "fdconform: " << status_text(false, clock_()) << '\n';
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
