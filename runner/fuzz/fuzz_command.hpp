#pragma once
// `fdconform fuzz`: generated scenarios run on the selected columns; each new difference from the
// reference is reduced to a small scenario file (docs/FUZZING.md).
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace fdconform {

struct FuzzOptions {
  std::uint64_t seed = 1;
  std::uint64_t first_case = 0;  // cases first_case, first_case + 1, ...: one case found again alone
  std::uint64_t cases = 0;       // 0: not given
  double budget_seconds = 0;     // 0: not given; with neither, default_cases
  std::vector<std::string> impls;
  std::string reference;
  std::vector<std::string> driver_files;
  std::vector<std::string> offered;
  std::string expectations_dir;  // empty: the source tree's or installation's expectations/
  bool no_expectations = false;
  std::string out_dir = "fuzz-out";
  int jobs = 0;                  // 0: one per core
  double timeout_seconds = 10;
  bool reduce = true;
};

inline constexpr std::uint64_t default_fuzz_cases = 1000;

// Exit 0 when no unexplained difference was found, 1 when one was (each written to out_dir), 2 on a
// usage error or a setup that cannot run.
int fuzz_command(const FuzzOptions& options, std::ostream& out, std::ostream& err);

}  // namespace fdconform
