#include <gtest/gtest.h>

#include "run/requirements_gate.hpp"
#include "scenario/loader.hpp"

namespace fdconform {
namespace {

Requirements requirements_of(const std::string& parent_block) {
  const std::string text = "format: 1\nid: gate\ntitle: t\ndescription: d\ncovers: [X7]\nsource: s\n" + parent_block +
                           "spawn:\n  popen: {}\n";
  auto loaded = load_scenario_text("gate.yaml", text, "gate");
  EXPECT_TRUE(loaded.scenario) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics.front().message);
  return loaded.scenario ? loaded.scenario->requires_ : Requirements{};
}

HostFacts host_with_hard_limit(std::optional<long long> hard) {
  HostFacts host;
  host.kernel = "6.1.0";
  host.nofile_hard = hard;
  return host;
}

TEST(RequirementsGate, ANofileLimitAboveTheHardLimitIsSkippedWithBothNumbers) {
  auto requires_ = requirements_of("parent:\n  nofile_limit: 4100\n");
  auto reason = skip_reason(requires_, DriverHello{}, host_with_hard_limit(2048));
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("4100"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("2048"), std::string::npos) << *reason;
}

TEST(RequirementsGate, ANofileLimitTheHardLimitAllowsRuns) {
  auto requires_ = requirements_of("parent:\n  nofile_limit: 4100\n");
  EXPECT_FALSE(skip_reason(requires_, DriverHello{}, host_with_hard_limit(4100)));
  EXPECT_FALSE(skip_reason(requires_, DriverHello{}, host_with_hard_limit(std::nullopt)));  // unlimited
  EXPECT_FALSE(skip_reason(requirements_of(""), DriverHello{}, host_with_hard_limit(64)));
}

}  // namespace
}  // namespace fdconform
