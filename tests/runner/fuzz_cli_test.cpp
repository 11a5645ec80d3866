// `fdconform fuzz` end to end on the fake drivers (no real spawns): a column made to deviate in one
// field is found, reduced to the smallest case and written as a valid scenario; agreeing columns
// give no difference; usage errors exit 2.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "fuzz/case_tree.hpp"
#include "fuzz/generator.hpp"
#include "scenario/loader.hpp"

namespace {

using nlohmann::json;
using namespace fdconform_test;

// fake-a, and fake-b, which shows the child's umask as 077 when `deviate` is set.
std::string fake_drivers(bool deviate) {
  json variant = deviate ? json{{"deviate", "umask"}} : json(nullptr);
  return write_driver_file(per_test_path("fuzz-cli", "drivers.json"),
                           json::array({fake_column("fake-a"), fake_column("fake-b", "ok", variant)}));
}

// Whether the fake columns, which announce the features posix_spawn and umask alone, run case `c`.
bool fake_columns_run(std::uint64_t seed, std::uint64_t c) {
  auto body = fdconform::fuzz::generate_case(seed, c);
  const auto* requires_ = body.find("requires");
  const auto* features = requires_ ? requires_->find("features") : nullptr;
  return !features || std::all_of(features->items.begin(), features->items.end(),
                                  [](const auto& f) { return f.text == "posix_spawn" || f.text == "umask"; });
}

TEST(FuzzCli, FindsAndReducesADeviatingField) {
  std::string out = per_test_path("fuzz-cli", "out");
  std::filesystem::remove_all(out);
  auto r = run_fdconform("fuzz --seed 3 --cases 20 --no-expectations --driver " + fake_drivers(true) +
                     " --impl 'fake-*' --reference fake-a -j 1 --out " + out);
  EXPECT_EQ(r.status, 1) << r.out;
  json summary = read_json_file(out + "/summary.json");
  EXPECT_EQ(summary["cases"], 20);
  EXPECT_EQ(summary["rejected"], 0);
  ASSERT_EQ(summary["differences"].size(), 1U) << summary.dump(2);
  const json& difference = summary["differences"][0];
  EXPECT_EQ(difference["signature"], json({{"fake-b", {"child.umask"}}}));
  EXPECT_EQ(difference["case"], 0);
  // Every case both columns ran differs; the fake columns announce posix_spawn and umask alone, so a
  // case that needs another feature (python_values, libc_spawn, process_group) is skipped by the
  // reference and counted apart.
  std::uint64_t needing_a_feature = 0;
  for (std::uint64_t c = 0; c < 20; ++c)
    if (!fake_columns_run(3, c)) ++needing_a_feature;
  EXPECT_EQ(summary["reference_without_observation"], needing_a_feature);
  EXPECT_EQ(difference["occurrences"], 20 - needing_a_feature);
  // Counted by cause: one cause, one exact signature behind those cases.
  EXPECT_EQ(difference["cause"], json({{"fake-b", {"child.umask"}}}));
  EXPECT_EQ(difference["signatures"], json({"fake-b: child.umask"}));
  EXPECT_GE(difference["reduction_seconds"].get<double>(), 0.0);
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
  auto rerun = run_fdconform("run " + file + " --no-expectations --driver " + fake_drivers(true) +
                         " --impl 'fake-*' --reference fake-a --json " + out + "/rerun.json");
  EXPECT_EQ(rerun.status, 1) << rerun.out;
  json results = read_json_file(out + "/rerun.json");
  for (const auto& cell : results["cells"])
    if (cell["implementation"] == "fake-b") {
      ASSERT_EQ(cell["diff"].size(), 1U);
      EXPECT_EQ(cell["diff"][0]["field"], "child.umask");
    }
}

// --first-case K --cases 1 runs case K alone, the case the same seed gives at K in a longer run, and
// the file it writes tells how to find that one case again.
TEST(FuzzCli, FirstCaseRunsThatCaseAlone) {
  std::string out = per_test_path("fuzz-cli", "out");
  std::filesystem::remove_all(out);
  // A case after the first few that the fake columns run (they lack most features).
  std::uint64_t k = 7;
  while (!fake_columns_run(3, k)) ++k;
  auto r = run_fdconform(fmt::format("fuzz --seed 3 --first-case {} --cases 1 --no-reduce --no-expectations --driver ", k) +
                         fake_drivers(true) + " --impl 'fake-*' --reference fake-a -j 1 --out " + out);
  EXPECT_EQ(r.status, 1) << r.out;
  json summary = read_json_file(out + "/summary.json");
  EXPECT_EQ(summary["cases"], 1);
  EXPECT_EQ(summary["first_case"], k);
  EXPECT_NE(summary["command"].get<std::string>().find(fmt::format("--first-case {} --cases 1", k)), std::string::npos);
  ASSERT_EQ(summary["differences"].size(), 1U) << summary.dump(2);
  EXPECT_EQ(summary["differences"][0]["case"], k);
  std::ifstream in(fmt::format("{}/fuzz-3-{}.yaml", out, k));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.find(fdconform::fuzz::body_text(fdconform::fuzz::generate_case(3, k))), std::string::npos) << text;
  EXPECT_NE(text.find(fmt::format("--first-case {} --cases 1`", k)), std::string::npos) << text;
}

TEST(FuzzCli, AgreeingColumnsGiveNoDifference) {
  std::string out = per_test_path("fuzz-cli", "out");
  std::filesystem::remove_all(out);
  auto r = run_fdconform("fuzz --seed 3 --cases 20 --no-expectations --driver " + fake_drivers(false) +
                     " --impl 'fake-*' --reference fake-a --out " + out);
  EXPECT_EQ(r.status, 0) << r.out;
  json summary = read_json_file(out + "/summary.json");
  EXPECT_EQ(summary["cases"], 20);
  EXPECT_TRUE(summary["differences"].empty());
}

TEST(FuzzCli, UsageErrors) {
  std::string out = per_test_path("fuzz-cli", "out");
  auto both = run_fdconform("fuzz --cases 5 --budget 5 --out " + out);
  EXPECT_EQ(both.status, 2) << both.out;
  auto only_reference = run_fdconform("fuzz --cases 5 --no-expectations --driver " + fake_drivers(false) +
                                  " --impl fake-a --reference fake-a --out " + out);
  EXPECT_EQ(only_reference.status, 2) << only_reference.out;
  EXPECT_NE(only_reference.out.find("name at least one other column"), std::string::npos) << only_reference.out;
  auto unknown = run_fdconform("fuzz --cases 5 --driver " + fake_drivers(false) + " --impl no-such --out " + out);
  EXPECT_EQ(unknown.status, 2) << unknown.out;
}

}  // namespace
