// libFuzzer target: scenario loading and validation must turn any bytes into
// either a scenario or located diagnostics, never a crash, a hang or both.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fdconform::LoadResult result = fdconform::load_scenario_text("fuzz.yaml", text, "");

  // Exactly one of the two: a scenario, or at least one diagnostic.
  if (result.scenario.has_value() == !result.diagnostics.empty()) __builtin_trap();
  for (const auto& diagnostic : result.diagnostics) fdconform_fuzz::require_located(diagnostic);
  // dump() throws on invalid UTF-8, which would end a run that sends this scenario to a driver.
  if (result.scenario) (void)result.scenario->json.dump();
  return 0;
}
