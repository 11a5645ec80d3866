// `fdconform run` end to end with fake drivers: proves the harness can fail, and reports exactly
// what changed. (Against the real drivers and probe, scripts/suite runs the corpus.)
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command_line.hpp"

namespace {

const std::string tests_dir = RUNNER_TESTS_DIR;

struct RunOutput {
  int status = -1;
  std::string out;
  nlohmann::json results;
};

std::string write_descriptors() {
  return fdconform_test::write_driver_file(
      fdconform_test::per_test_path("e2e", "fake-drivers.json"),
      nlohmann::json::array({fdconform_test::fake_column("fake-a"), fdconform_test::fake_column("fake-b")}));
}

RunOutput run_e2e(const std::string& extra) {
  std::string json = fdconform_test::per_test_path("e2e", "e2e-results.json");
  std::remove(json.c_str());
  std::string arguments = "run " + tests_dir + "/e2e_scenarios --driver " + write_descriptors() +
                          " --impl 'fake-*' --reference fake-a -j 2 --timeout 20 --json " + json + " " + extra;
  auto [status, out] = fdconform_test::run_fdconform(arguments);
  return {status, out, fdconform_test::read_json_file(json)};
}

const nlohmann::json* cell(const nlohmann::json& results, const std::string& scenario, const std::string& impl) {
  for (const auto& c : results["cells"])
    if (c["scenario"] == scenario && c["implementation"] == impl) return &c;
  return nullptr;
}

TEST(EndToEnd, WrongExpectationIsReportedAsDiffer) {
  auto r = run_e2e("");
  ASSERT_TRUE(r.results.is_object()) << r.out;
  EXPECT_EQ(r.status, 1) << r.out;  // something failed, so not 0
  EXPECT_EQ(r.results["complete"], true);
  for (const char* impl : {"fake-a", "fake-b"}) {
    auto* wrong = cell(r.results, "wrong-expectation", impl);
    ASSERT_NE(wrong, nullptr);
    EXPECT_EQ((*wrong)["verdict"], "differ");
    ASSERT_EQ((*wrong)["expectation_failures"].size(), 1u);
    EXPECT_EQ((*wrong)["expectation_failures"][0]["field"], "outcome");
    EXPECT_EQ((*wrong)["expectation_failures"][0]["expected"], "exited 3");
    EXPECT_EQ((*cell(r.results, "plain-spawn", impl))["verdict"], "match");
    EXPECT_EQ((*cell(r.results, "skip-me", impl))["verdict"], "skip");
    EXPECT_EQ((*cell(r.results, "skip-me", impl))["reason"], "fake skip");
  }
  EXPECT_NE(r.out.find("fdconform: 2 passed, 2 failed, 4 skipped"), std::string::npos) << r.out;
}

TEST(EndToEnd, DeviationIsReportedAsExactlyTheFieldThatChanged) {
  auto r = run_e2e("--filter '^plain-spawn$' --deviate fake-b=umask");
  ASSERT_TRUE(r.results.is_object()) << r.out;
  EXPECT_EQ(r.status, 1) << r.out;
  auto* deviant = cell(r.results, "plain-spawn", "fake-b");
  ASSERT_NE(deviant, nullptr);
  EXPECT_EQ((*deviant)["verdict"], "differ");
  EXPECT_EQ((*deviant)["diff"], nlohmann::json::parse(R"([{"field":"child.umask","expected":"022","actual":"077"}])"));
  EXPECT_EQ((*cell(r.results, "plain-spawn", "fake-a"))["verdict"], "match");
  EXPECT_NE((*deviant)["class"], (*cell(r.results, "plain-spawn", "fake-a"))["class"]);
}

// Columns of fake drivers, each {id, mode}, the first being the reference.
std::string write_descriptors(const std::vector<std::pair<std::string, std::string>>& columns) {
  nlohmann::json descriptors = nlohmann::json::array();
  for (const auto& [id, mode] : columns) descriptors.push_back(fdconform_test::fake_column(id, mode));
  return fdconform_test::write_driver_file(fdconform_test::per_test_path("e2e", "columns.json"), descriptors);
}

RunOutput run_columns(const std::vector<std::pair<std::string, std::string>>& columns, const std::string& extra) {
  std::string json = fdconform_test::per_test_path("e2e", "columns-results.json");
  std::remove(json.c_str());
  std::string arguments = "run " + tests_dir + "/e2e_scenarios --driver " + write_descriptors(columns) +
                          " --impl 'fake-*' --reference " + columns.front().first + " -j 2 --timeout 20 --json " +
                          json + " " + extra;
  auto [status, out] = fdconform_test::run_fdconform(arguments);
  return {status, out, fdconform_test::read_json_file(json)};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(EndToEnd, ADriverWithoutTheApiForAScenarioIsNoApiCountedApart) {
  std::string junit = fdconform_test::per_test_path("e2e", "no-api.xml");
  auto r = run_columns({{"fake-a", "ok"}, {"fake-c", "no-api"}}, "--filter '^plain-spawn$' --junit " + junit);
  ASSERT_TRUE(r.results.is_object()) << r.out;
  auto* lacking = cell(r.results, "plain-spawn", "fake-c");
  ASSERT_NE(lacking, nullptr);
  EXPECT_EQ((*lacking)["verdict"], "no-api");
  EXPECT_EQ((*lacking)["reason"], "no API: fd at child fd 7");
  EXPECT_EQ((*lacking)["capability"], "fd at child fd 7");
  EXPECT_EQ((*lacking)["observation"], nlohmann::json::object());
  EXPECT_EQ((*cell(r.results, "plain-spawn", "fake-a"))["verdict"], "match");
  EXPECT_EQ(r.results["summary"]["no-api"], 1);
  EXPECT_EQ(r.results["summary"]["skip"], 0);
  // Neither a failure nor a skip: the run passes, and the summary line counts it on its own.
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("fdconform: 1 passed, 0 failed, 0 skipped, 1 no API"), std::string::npos) << r.out;
  EXPECT_NE(read_text(junit).find("<skipped message=\"no API: fd at child fd 7\"/>"), std::string::npos)
      << read_text(junit);
}

TEST(EndToEnd, AReferenceWithoutTheApiLeavesTheRowNothingToCompareAgainst) {
  auto r = run_columns({{"fake-c", "no-api"}, {"fake-a", "ok"}}, "--filter '^plain-spawn$'");
  ASSERT_TRUE(r.results.is_object()) << r.out;
  EXPECT_EQ((*cell(r.results, "plain-spawn", "fake-c"))["verdict"], "no-api");
  auto* other = cell(r.results, "plain-spawn", "fake-a");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ((*other)["verdict"], "error");
  EXPECT_EQ((*other)["reason"], "not compared: the reference fake-c cannot express this scenario (no API: fd at "
                                "child fd 7)");
  EXPECT_EQ(r.status, 1) << r.out;
}

TEST(EndToEnd, RootOnlyGatesSkipWithAReason) {
  auto r = run_e2e("--filter needs-root");
  ASSERT_TRUE(r.results.is_object()) << r.out;
  auto* c = cell(r.results, "needs-root-or-not", "fake-a");
  ASSERT_NE(c, nullptr);
  if (::geteuid() == 0) {
    EXPECT_EQ((*c)["verdict"], "skip");
    EXPECT_EQ((*c)["reason"], "needs a non-root user (requires.non_root)");
    EXPECT_EQ(r.status, 0) << r.out;  // only skips: success
  } else {
    EXPECT_EQ((*c)["verdict"], "match");
  }
}

}  // namespace
