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

DriverHello following_python(const std::string& version) {
  DriverHello hello;
  hello.semantics["python"] = version;
  return hello;
}

// One gate, one rule, many versions: a clause compares at its own precision, so "<=3.12" takes
// every 3.12.x and "==3.13" takes 3.13.1 (the runner and the drivers once disagreed on exactly these).
TEST(RequirementsGate, APythonGateComparesAtTheClausesPrecision) {
  struct Case {
    const char* gate;
    const char* version;
    bool runs;
  };
  const Case cases[] = {
      {"<=3.12", "3.12.5", true}, {"<=3.12", "3.12", true},     {"<=3.12", "3.13.0", false},
      {"==3.13", "3.13.1", true}, {"==3.13", "3.13", true},     {"==3.13", "3.12.9", false},
      {">3.12", "3.12.5", false}, {">3.12", "3.13.0", true},    {"<3.12", "3.12.0", false},
      {"<3.12", "3.11.7", true},  {"!=3.11", "3.11.2", false},  {"!=3.11", "3.10.13", true},
      {">=3.11.3", "3.11.2", false}, {">=3.11.3", "3.11.7", true}, {">=3.9,<3.13", "3.13.0", false},
      {">=3.9,<3.13", "3.9.18", true}, {">=3.8", "3.13", true},  {"<3.11.7", "3.11.2", true},
  };
  for (const auto& c : cases) {
    auto requires_ = requirements_of(std::string("requires:\n  python: \"") + c.gate + "\"\n");
    auto reason = skip_reason(requires_, following_python(c.version), host_with_hard_limit(std::nullopt));
    EXPECT_EQ(!reason.has_value(), c.runs) << c.gate << " on " << c.version << (reason ? ": " + *reason : "");
  }
}

TEST(RequirementsGate, APythonGateDoesNotApplyToAColumnThatFollowsNoPython) {
  auto requires_ = requirements_of("requires:\n  python: \">=3.99\"\n");
  DriverHello other;
  other.semantics["posix"] = "2017";
  EXPECT_FALSE(skip_reason(requires_, other, host_with_hard_limit(std::nullopt)));
  auto reason = skip_reason(requires_, following_python("3.13"), host_with_hard_limit(std::nullopt));
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("3.99"), std::string::npos) << *reason;
}

TEST(RequirementsGate, AMissingFeatureSkipsWithItsName) {
  auto requires_ = requirements_of("requires:\n  features: [process_group]\n");
  DriverHello hello = following_python("3.13");
  hello.features = {"posix_spawn"};
  auto reason = skip_reason(requires_, hello, host_with_hard_limit(std::nullopt));
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("process_group"), std::string::npos) << *reason;
  hello.features.push_back("process_group");
  EXPECT_FALSE(skip_reason(requires_, hello, host_with_hard_limit(std::nullopt)));
}

TEST(RequirementsGate, AKernelGateComparesAtItsPrecision) {
  auto requires_ = requirements_of("requires:\n  kernel: \"5.9\"\n");
  HostFacts host = host_with_hard_limit(std::nullopt);
  host.kernel = "5.9.0-1-amd64";
  EXPECT_FALSE(skip_reason(requires_, DriverHello{}, host));
  host.kernel = "5.8.18";
  EXPECT_TRUE(skip_reason(requires_, DriverHello{}, host));
}

}  // namespace
}  // namespace fdconform
