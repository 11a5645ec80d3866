#pragma once
// Live progress while a run goes. On a terminal it keeps one line up to date with '\r'
// ("[done/total] 12.3s  differ 1  error 0  scenario on implementation"); otherwise it prints a plain
// line for every failing cell and one every 10% so CI logs stay short. Safe to call from several threads.
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "reports/tally.hpp"
#include "reports/verdict.hpp"

namespace reports {

bool is_terminal(std::ostream& out);  // true only for std::cout/std::cerr attached to a tty

class Progress {
 public:
  using SecondsClock = std::function<double()>;  // seconds since some fixed start

  // `clock` defaults to a steady clock started now; tests pass their own. `colour` (failure counts in red on
  // the live line) defaults to: on a terminal, unless NO_COLOR is set to a non-empty value.
  Progress(std::ostream& out, std::size_t total, bool terminal, SecondsClock clock = {},
           std::optional<bool> colour = std::nullopt);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void record(std::string_view scenario, std::string_view implementation, Verdict verdict,
              std::string_view reason = {});
  // Ends the live line (so later output starts on a fresh line). Idempotent.
  void finish();

  const Tally& counts() const { return counts_; }
  std::size_t done() const { return done_; }

 private:
  std::string status_text(bool coloured, double seconds) const;

  std::ostream& out_;
  std::size_t total_;
  bool terminal_;
  bool colour_;
  SecondsClock clock_;
  std::mutex mutex_;
  Tally counts_;
  std::size_t done_ = 0;
  std::size_t last_decile_ = 0;
  std::size_t live_width_ = 0;  // characters of the live line now on screen
  bool finished_ = false;
};

}  // namespace reports
