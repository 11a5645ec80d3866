// libFuzzer target: an expectation file from a stranger's pull request must load into entries or
// located diagnostics, never a crash or a hang; what loads must survive the round trip through
// --update-expectations' writer, and the overlap checks must take any conditions.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expectations/condition_overlap.hpp"
#include "expectations/expectation_files.hpp"
#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const fdconform::ExpectationSet set = fdconform::load_expectation_text("fuzz.yaml", text);
  for (const auto& d : set.diagnostics) fdconform_fuzz::require_located(d);
  if (set.files.size() != 1) __builtin_trap();
  const auto& file = set.files[0];
  if (!set.diagnostics.empty()) {
    if (!file.entries.empty()) __builtin_trap();  // a file with errors judges nothing
    return 0;
  }

  const auto& a = file.applies_to;
  (void)fdconform::globs_overlap(a.implementation, a.reference);
  (void)fdconform::gates_overlap(a.version, a.kernel);
  (void)fdconform::applies(a, "cpython-3.13.0", "3.13.0", "cpython-3.13.0");
  (void)set.lookup(file.entries.empty() ? "x" : file.entries[0].scenario, "spawn_core-fork", "0.1.0", "cpython-3.13.0");
  (void)fdconform::contradicting_entries({file, file});  // a file never contradicts itself
  if (!fdconform::contradicting_entries({file, file}).empty()) __builtin_trap();

  // What loaded, written back, loads to the same entries.
  const std::string rendered = fdconform::render_expectation_file(file);
  fdconform_fuzz::require_utf8(rendered);
  const auto again = fdconform::load_expectation_text("again.yaml", rendered);
  if (!again.diagnostics.empty() || again.files[0].entries.size() != file.entries.size()) __builtin_trap();
  for (std::size_t i = 0; i < file.entries.size(); ++i) {
    const auto& x = file.entries[i];
    const auto& y = again.files[0].entries[i];
    if (x.scenario != y.scenario || x.fields != y.fields || x.reason != y.reason || x.link != y.link) __builtin_trap();
  }
  if (again.files[0].applies_to.implementation != a.implementation ||
      again.files[0].applies_to.reference != a.reference)
    __builtin_trap();
  return 0;
}
