#include <gtest/gtest.h>

#include "scenario/loader.hpp"

namespace fdconform {
namespace {

const std::string good = std::string(RUNNER_TESTS_DIR) + "/good_scenarios/good-basic.yaml";

TEST(Loader, AcceptsAGoodScenario) {
  auto loaded = load_scenario_file(good);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();
  ASSERT_TRUE(loaded.scenario);
  const auto& s = *loaded.scenario;
  EXPECT_EQ(s.id, "good-basic");
  EXPECT_EQ(s.covers, (std::vector<std::string>{"X7", "C1"}));
  ASSERT_TRUE(s.requires_.python);
  EXPECT_TRUE(s.requires_.python->admits("3.11.7"));
  EXPECT_FALSE(s.requires_.python->admits("3.8.18"));
  EXPECT_EQ(s.timeout_seconds, 2.5);
}

TEST(Loader, DriverJsonKeepsStructureAndFillsDefaults) {
  auto loaded = load_scenario_file(good);
  ASSERT_TRUE(loaded.scenario);
  const auto& j = loaded.scenario->json;
  EXPECT_EQ(j["parent"]["umask"], "027");  // octal stays a string
  EXPECT_EQ(j["parent"]["env"]["set"]["FOO"], "bar");
  EXPECT_EQ(j["parent"]["signals"]["block"], nlohmann::json::array({"SIGRTMIN+2"}));
  EXPECT_EQ(j["parent"]["signals"]["catch"], nlohmann::json::array());
  const auto& log = j["parent"]["resources"][0];
  EXPECT_EQ(log, (nlohmann::json{{"name", "log"}, {"kind", "file"}, {"content", "hi\n"}, {"offset", 1},
                                 {"access", "rdwr"}, {"flags", nlohmann::json::array()}, {"path", "log"},
                                 {"fd", 7}, {"inheritable", true}}));
  const auto& pipe = j["parent"]["resources"][1];
  EXPECT_EQ(pipe["read"]["fd"], 5);
  EXPECT_EQ(pipe["write"]["fd"], nullptr);
  EXPECT_EQ(pipe["write"]["inheritable"], false);
  const auto& popen = j["spawn"]["popen"];
  EXPECT_EQ(popen["pass_fds"], (nlohmann::json::array({"p.read", 9})));
  EXPECT_EQ(popen["stdout"], (nlohmann::json{{"resource", "log"}}));
  EXPECT_EQ(popen["stdin"], "inherit");
  EXPECT_EQ(popen["close_fds"], true);
  EXPECT_EQ(popen["restore_signals"], true);
  EXPECT_EQ(popen["umask"], "077");
  EXPECT_EQ(popen["pipesize"], -1);
  EXPECT_EQ(popen["argv"], nlohmann::json::array({"{probe}"}));
  EXPECT_EQ(j["expect"]["fds"]["1"], "log");
  EXPECT_EQ(j["requires"]["python"], ">=3.9,<3.14");
}

TEST(Loader, TooLargeFileIsRefusedWithoutReadingItAll) {
  std::string path = ::testing::TempDir() + "/huge-scenario.yaml";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::string line = "# padding padding padding padding padding padding padding padding padding padding\n";
    for (std::size_t written = 0; written < 10u * 1024 * 1024; written += line.size()) std::fputs(line.c_str(), f);
    std::fclose(f);
  }
  auto loaded = load_scenario_file(path);
  std::remove(path.c_str());
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].to_string(), path + ":1:1: file too large: a scenario must be at most 1048576 bytes");
  EXPECT_FALSE(loaded.scenario);
}

TEST(Loader, MissingFileIsADiagnosticNotAnException) {
  auto loaded = load_scenario_file("/nonexistent/dir/x.yaml");
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].to_string(), "/nonexistent/dir/x.yaml:1:1: cannot open file: No such file or directory");
}

TEST(Loader, SurvivesArbitraryBytes) {
  // Truncations of a valid scenario at every length: never a throw, always either a scenario or diagnostics.
  std::string text = "format: 1\nid: t\ntitle: x\ndescription: y\ncovers: [X1]\nsource: s\nspawn:\n  popen: {pass_fds: [3]}\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto loaded = load_scenario_text("t.yaml", text.substr(0, n), "t");
    EXPECT_TRUE(loaded.scenario.has_value() != !loaded.diagnostics.empty()) << n;
  }
}

}  // namespace
}  // namespace fdconform
