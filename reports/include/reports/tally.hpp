#pragma once
// Verdict counts, and the one-line summary CI log readers count.
#include <array>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/results.hpp"
#include "reports/verdict.hpp"

namespace reports {

struct Tally {
  std::array<std::size_t, 7> by_verdict{};  // indexed by Verdict
  // Scenario files that did not load. Each counts as one failure: the run could not test what it says.
  std::size_t invalid_files = 0;

  void add(Verdict verdict) { ++by_verdict[static_cast<std::size_t>(verdict)]; }
  std::size_t count(Verdict verdict) const { return by_verdict[static_cast<std::size_t>(verdict)]; }
  std::size_t passed() const;
  std::size_t failed() const;  // failing cells and invalid scenario files
  std::size_t accepted() const { return count(Verdict::expected_differ); }
  std::size_t skipped() const { return count(Verdict::skip); }
  std::size_t without_api() const { return count(Verdict::no_api); }
  std::size_t total() const;
};

Tally tally(const Results& results);

// "fdconform: N passed, N failed, N skipped" (no newline), then only when they apply: ", K no API" (cells
// whose runtime cannot express the scenario), " (K invalid scenario files)" after the counts, and on a run
// with no failure ", K expected differences accepted", so a green run says how much of it passed by an
// expectation file.
std::string summary_line(const Tally& counts);
std::string summary_line(const Results& results);
std::string summary_line(const nlohmann::json& document);

}  // namespace reports
