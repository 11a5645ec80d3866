// `fdconform fuzz` end to end on the fake drivers (no real spawns): a column made to deviate in one
// field is found, reduced to the smallest case and written as a valid scenario; agreeing columns
// give no difference; usage errors exit 2.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "scenario/loader.hpp"

namespace {

using nlohmann::json;

const std::string tests_dir = RUNNER_TESTS_DIR;

std::string per_test_path(const std::string& stem) {
  return ::testing::TempDir() + "/fuzz-cli-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
         stem;
}

struct Outcome {
  int status = -1;
  std::string out;
};

Outcome fdconform(const std::string& arguments) {
  std::string command = std::string(FDCONFORM_BINARY) + " " + arguments + " 2>&1";
  Outcome result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// fake-a, and fake-b, which shows the child's umask as 077 when `deviate` is set.
std::string fake_drivers(bool deviate) {
  std::string path = per_test_path("drivers.json");
  std::string script = tests_dir + "/fake_drivers/fake_driver.py";
  json b = {{"id", "fake-b"}, {"argv", {"/usr/bin/python3", script, "ok", "fake-b"}}};
  if (deviate) b["variant"] = {{"deviate", "umask"}};
  json descriptors = json::array({{{"id", "fake-a"}, {"argv", {"/usr/bin/python3", script, "ok", "fake-a"}}}, b});
  std::ofstream(path) << descriptors.dump();
  return path;
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

TEST(FuzzCli, FindsAndReducesADeviatingField) {
  std::string out = per_test_path("out");
  std::filesystem::remove_all(out);
  auto r = fdconform("fuzz --seed 3 --cases 20 --no-expectations --driver " + fake_drivers(true) +
                     " --impl 'fake-*' --reference fake-a -j 1 --out " + out);
  EXPECT_EQ(r.status, 1) << r.out;
  json summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["cases"], 20);
  EXPECT_EQ(summary["rejected"], 0);
  ASSERT_EQ(summary["differences"].size(), 1U) << summary.dump(2);
  const json& difference = summary["differences"][0];
  EXPECT_EQ(difference["signature"], json({{"fake-b", {"child.umask"}}}));
  EXPECT_EQ(difference["case"], 0);
  EXPECT_EQ(difference["occurrences"], 20);
  EXPECT_TRUE(difference["confirmed"].get<bool>());
  // The deviation needs nothing of the case: the reducer leaves the smallest spawn there is.
  std::string file = difference["file"];
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\nspawn:\n  popen: {}\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("parent:"), std::string::npos) << text;
  EXPECT_NE(text.find("tags: [fuzz]"), std::string::npos);
  EXPECT_NE(text.find("fdconform fuzz --seed 3"), std::string::npos);
  auto loaded = fdconform::load_scenario_text(file, text, "fuzz-3-0");
  EXPECT_TRUE(loaded.scenario.has_value()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].to_string());
  EXPECT_EQ(difference["reduced_lines"], 9);

  // The written scenario, run by `fdconform run`, shows the same difference.
  auto rerun = fdconform("run " + file + " --no-expectations --driver " + fake_drivers(true) +
                         " --impl 'fake-*' --reference fake-a --json " + out + "/rerun.json");
  EXPECT_EQ(rerun.status, 1) << rerun.out;
  json results = read_json(out + "/rerun.json");
  for (const auto& cell : results["cells"])
    if (cell["implementation"] == "fake-b") {
      ASSERT_EQ(cell["diff"].size(), 1U);
      EXPECT_EQ(cell["diff"][0]["field"], "child.umask");
    }
}

TEST(FuzzCli, AgreeingColumnsGiveNoDifference) {
  std::string out = per_test_path("out");
  std::filesystem::remove_all(out);
  auto r = fdconform("fuzz --seed 3 --cases 20 --no-expectations --driver " + fake_drivers(false) +
                     " --impl 'fake-*' --reference fake-a --out " + out);
  EXPECT_EQ(r.status, 0) << r.out;
  json summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["cases"], 20);
  EXPECT_TRUE(summary["differences"].empty());
}

TEST(FuzzCli, UsageErrors) {
  std::string out = per_test_path("out");
  auto both = fdconform("fuzz --cases 5 --budget 5 --out " + out);
  EXPECT_EQ(both.status, 2) << both.out;
  auto only_reference = fdconform("fuzz --cases 5 --no-expectations --driver " + fake_drivers(false) +
                                  " --impl fake-a --reference fake-a --out " + out);
  EXPECT_EQ(only_reference.status, 2) << only_reference.out;
  EXPECT_NE(only_reference.out.find("name at least one other column"), std::string::npos) << only_reference.out;
  auto unknown = fdconform("fuzz --cases 5 --driver " + fake_drivers(false) + " --impl no-such --out " + out);
  EXPECT_EQ(unknown.status, 2) << unknown.out;
}

}  // namespace
