// Every file of bad_scenarios/ must produce exactly the diagnostics of its .expected sidecar.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/loader.hpp"

namespace fdconform {
namespace {

const std::string corpus = std::string(RUNNER_TESTS_DIR) + "/bad_scenarios";

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(corpus))
    if (e.path().extension() == ".yaml") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class BadScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(BadScenario, GivesTheExpectedDiagnostics) {
  std::string name = GetParam();
  std::ifstream expected_file(corpus + "/" + name.substr(0, name.size() - 5) + ".expected");
  ASSERT_TRUE(expected_file) << "missing .expected sidecar for " << name;
  std::stringstream expected;
  expected << expected_file.rdbuf();

  auto loaded = load_scenario_file(corpus + "/" + name);
  std::string actual;
  for (const auto& d : loaded.diagnostics) {
    std::string line = d.to_string();
    EXPECT_EQ(line.rfind(corpus + "/", 0), 0u) << line;  // located in this very file
    actual += line.substr(corpus.size() + 1) + "\n";
  }
  EXPECT_FALSE(loaded.scenario);
  EXPECT_EQ(actual, expected.str());
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadScenario, ::testing::ValuesIn(scenario_files()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(BadScenarioCorpus, HasAtLeast25Files) { EXPECT_GE(scenario_files().size(), 25u); }

TEST(BadScenarioCorpus, OneFileReportsAllItsErrors) {
  auto loaded = load_scenario_file(corpus + "/many-errors.yaml");
  EXPECT_GE(loaded.diagnostics.size(), 8u);
}

}  // namespace
}  // namespace fdconform
