// Confinement end to end: an `unconfined` scenario validates, is skipped with its reason unless
// the user passes --allow-unconfined, and only then reaches outside its workdir (through the real
// spawn_core driver). The path rules themselves are in bad_scenarios/confine-*.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "scenario/loader.hpp"

namespace fdconform {
namespace {

std::string scenario_text(const std::string& id, const std::string& unconfined_line, const std::string& path) {
  return "format: 1\nid: " + id +
         "\ntitle: t\ndescription: d\ncovers: [X7]\nsource: tests/runner\n" + unconfined_line +
         "parent:\n  resources:\n    - {name: outside, kind: file, content: written, path: " + path +
         "}\nspawn:\n  popen: {}\n";
}

TEST(Confinement, UnconfinedScenarioValidatesAndCarriesItsReason) {
  auto loaded = load_scenario_text("u.yaml", scenario_text("u", "unconfined: writes a file in /tmp\n", "/tmp/x"), "u");
  ASSERT_TRUE(loaded.scenario) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].to_string());
  EXPECT_EQ(loaded.scenario->unconfined, "writes a file in /tmp");
  EXPECT_EQ(loaded.scenario->json["unconfined"], "writes a file in /tmp");
}

TEST(Confinement, ConfinedScenarioSendsNullToTheDrivers) {
  auto loaded = load_scenario_text("c.yaml", scenario_text("c", "", "inside.txt"), "c");
  ASSERT_TRUE(loaded.scenario);
  EXPECT_TRUE(loaded.scenario->json["unconfined"].is_null());
}

TEST(Confinement, AnEmptyReasonIsRefusedAndLeavesTheScenarioConfined) {
  auto loaded = load_scenario_text("e.yaml", scenario_text("e", "unconfined: \"\"\n", "/tmp/x"), "e");
  EXPECT_FALSE(loaded.scenario);
  ASSERT_EQ(loaded.diagnostics.size(), 2u);
  EXPECT_EQ(loaded.diagnostics[0].message.rfind("unconfined: expected a non-empty string", 0), 0u);
  EXPECT_NE(loaded.diagnostics[1].message.find("leaves the cell's workdir"), std::string::npos);
}

struct RunResult {
  int status = -1;
  std::string out;
  nlohmann::json results;
};

RunResult run_cell(const std::string& args, const std::string& json) {
  auto [status, out] = fdconform_test::run_fdconform(
      "run " + args + " --impl spawn_core-fork --reference spawn_core-fork --no-expectations -j1 --json " + json);
  return {status, out, fdconform_test::read_json_file(json)};
}

TEST(Confinement, OnlyAllowUnconfinedLetsTheScenarioWriteOutside) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(::testing::TempDir()) / ("confinement-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "scenarios");
  const fs::path outside = dir / "outside.txt";
  std::ofstream(dir / "scenarios" / "writes-outside.yaml")
      << scenario_text("writes-outside", "unconfined: the test needs a file outside the workdir\n", outside.string());

  RunResult refused = run_cell((dir / "scenarios").string(), (dir / "refused.json").string());
  ASSERT_TRUE(refused.results.is_object()) << refused.out;
  ASSERT_EQ(refused.results["cells"].size(), 1u);
  const auto& skipped = refused.results["cells"][0];
  EXPECT_EQ(skipped["verdict"], "skip") << refused.out;
  EXPECT_NE(skipped["reason"].get<std::string>().find("--allow-unconfined"), std::string::npos);
  EXPECT_NE(skipped["reason"].get<std::string>().find("the test needs a file outside"), std::string::npos);
  EXPECT_FALSE(fs::exists(outside)) << "a skipped unconfined scenario still wrote outside";

  RunResult allowed = run_cell((dir / "scenarios").string() + " --allow-unconfined", (dir / "allowed.json").string());
  ASSERT_TRUE(allowed.results.is_object()) << allowed.out;
  EXPECT_EQ(allowed.results["cells"][0]["verdict"], "match") << allowed.out;
  std::ifstream written(outside);
  std::stringstream content;
  content << written.rdbuf();
  EXPECT_EQ(content.str(), "written");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fdconform
