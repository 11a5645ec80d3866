// The fdconform command line: subcommands, shards, the reference, exit statuses and usage errors
// (docs/CLI.md). Runs the real binary against the fake drivers, so it is quick and needs no CPython.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <cstdio>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "commands/shard.hpp"
#include "commands/suggest.hpp"

namespace {

using nlohmann::json;
using namespace fdconform_test;

const std::string tests_dir = RUNNER_TESTS_DIR;
const std::string scenarios = tests_dir + "/e2e_scenarios";

// Two fake columns (and, optionally, one whose driver does not exist).
std::string fake_drivers(bool with_missing = false) {
  json descriptors = json::array({fake_column("fake-a"), fake_column("fake-b")});
  if (with_missing) descriptors.push_back({{"id", "fake-gone"}, {"argv", {"/nonexistent/fake-driver"}}});
  return write_driver_file(per_test_path("cli", "drivers.json"), descriptors);
}

std::map<std::pair<std::string, std::string>, json> cells_by_key(const json& document) {
  std::map<std::pair<std::string, std::string>, json> cells;
  for (const auto& cell : document["cells"])
    cells[{cell["scenario"].get<std::string>(), cell["implementation"].get<std::string>()}] =
        json{{"verdict", cell["verdict"]}, {"observation", cell["observation"]}};
  return cells;
}

fdconform::Scenario scenario_with_id(const std::string& id) {
  fdconform::Scenario s;
  s.id = id;
  return s;
}

TEST(Shard, ParsesIOverNAndRefusesTheRest) {
  std::string error;
  auto shard = fdconform::parse_shard("2/3", error);
  ASSERT_TRUE(shard);
  EXPECT_EQ(shard->index, 2u);
  EXPECT_EQ(shard->count, 3u);
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/3x", "", "/"}) {
    error.clear();
    EXPECT_FALSE(fdconform::parse_shard(bad, error)) << bad;
    EXPECT_NE(error.find("--shard"), std::string::npos) << error;
    EXPECT_NE(error.find("I/N"), std::string::npos) << error;
  }
}

TEST(Shard, SharesAreDisjointCoverEverythingAndIgnoreInputOrder) {
  std::vector<fdconform::Scenario> corpus, reversed;
  for (const char* id : {"e", "a", "d", "b", "g", "c", "f"}) corpus.push_back(scenario_with_id(id));
  reversed.assign(corpus.rbegin(), corpus.rend());
  std::multiset<std::string> seen;
  for (std::size_t i = 1; i <= 3; ++i) {
    auto shard = fdconform::shard_scenarios(corpus, {i, 3});
    auto again = fdconform::shard_scenarios(reversed, {i, 3});
    std::set<std::string> ids, ids_again;
    for (const auto& s : shard) ids.insert(s.id), seen.insert(s.id);
    for (const auto& s : again) ids_again.insert(s.id);
    EXPECT_EQ(ids, ids_again);
    EXPECT_GE(shard.size(), 2u);
    EXPECT_LE(shard.size(), 3u);
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
  auto second = fdconform::shard_scenarios(corpus, {2, 3});  // b and e: the 2nd and 5th ids in sorted order
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].id, "e");  // kept in the order given
  EXPECT_EQ(second[1].id, "b");
}

TEST(Suggest, NamesTheClosestValidName) {
  std::vector<std::string> commands = {"validate", "list", "columns", "run", "report", "merge", "show"};
  EXPECT_EQ(fdconform::closest_name("rnu", commands), "run");
  EXPECT_EQ(fdconform::closest_name("mrege", commands), "merge");
  EXPECT_EQ(fdconform::closest_name("valdiate", commands), "validate");
  EXPECT_EQ(fdconform::closest_name("xyzzy", commands), std::nullopt);
  EXPECT_EQ(fdconform::closest_name("--filtr", {"--filter", "--json", "--impl"}), "--filter");
}

TEST(Cli, VersionPrintsVersionAndCommit) {
  auto r = run_fdconform("--version");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.out.starts_with("fdconform 0.")) << r.out;
  EXPECT_NE(r.out.find(" ("), std::string::npos) << r.out;
}

TEST(Cli, UsageErrorsExit2AndNameTheClosestName) {
  auto r = run_fdconform("rnu scenarios");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("did you mean 'run'?"), std::string::npos) << r.out;
  r = run_fdconform("run --filtr x");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("did you mean '--filter'?"), std::string::npos) << r.out;
  for (const char* usage : {"", "run -j 0", "run --jobs many", "merge", "report", "show", "run --timeout 0"})
    EXPECT_EQ(run_fdconform(usage).status, 2) << "fdconform " << usage;
  EXPECT_EQ(run_fdconform("--help").status, 0);
  r = run_fdconform("");
  EXPECT_NE(r.out.find("expected a subcommand, one of validate, list"), std::string::npos) << r.out;
  r = run_fdconform("--verison");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("did you mean '--version'?"), std::string::npos) << r.out;
  r = run_fdconform("run --version");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.out.starts_with("fdconform ")) << r.out;
}

TEST(Cli, FilterOrShardThatSelectsNothingIsAnError) {
  std::string common = scenarios + " --driver " + fake_drivers() + " --impl 'fake-*' --reference fake-a";
  auto r = run_fdconform("run " + common + " --filter no-such-scenario");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("matches none"), std::string::npos) << r.out;
  for (const char* shard : {"0/2", "3/2", "2", "x/y"}) {
    r = run_fdconform("run " + common + " --shard " + shard);
    EXPECT_EQ(r.status, 2) << shard << ": " << r.out;
    EXPECT_NE(r.out.find("expected I/N"), std::string::npos) << r.out;
  }
  r = run_fdconform("run " + common + " --shard 9/9");  // four scenarios: the ninth share is empty
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("is empty"), std::string::npos) << r.out;
}

TEST(Cli, OracleTakesOneValueSoAPathAfterItIsAPath) {
  std::string json_path = per_test_path("cli", "results.json");
  auto r = run_fdconform("run --with /usr/bin/python3 " + scenarios + "/plain-spawn.yaml --driver " + fake_drivers() +
                     " --impl fake-b --reference fake-a --json " + json_path);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_json_file(json_path)["scenarios"].size(), 1u) << r.out;
}

TEST(Cli, ImplNarrowsWhatIsShownNeverTheReference) {
  std::string json_path = per_test_path("cli", "results.json");
  auto r = run_fdconform("run " + scenarios + "/plain-spawn.yaml --driver " + fake_drivers() +
                     " --impl fake-b --reference fake-a --json " + json_path);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.out.starts_with("fdconform: reference: fake-a")) << r.out;
  json results = read_json_file(json_path);
  EXPECT_EQ(results["reference"], "fake-a");
  ASSERT_EQ(results["implementations"].size(), 2u) << results["implementations"].dump();
  EXPECT_EQ(results["implementations"][0]["id"], "fake-a");
  EXPECT_EQ(results["implementations"][1]["id"], "fake-b");

  r = run_fdconform("run " + scenarios + " --driver " + fake_drivers() + " --impl fake-b --reference no-such");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--reference no-such: no such implementation"), std::string::npos) << r.out;
  r = run_fdconform("run " + scenarios + " --driver " + fake_drivers(true) + " --impl fake-a --reference fake-gone");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("the reference fake-gone is not available"), std::string::npos) << r.out;
}

TEST(Cli, ShardsMergeToTheWholeRunAndReportRendersThem) {
  std::string common = scenarios + " --driver " + fake_drivers() + " --impl 'fake-*' --reference fake-a -j 2";
  std::string whole = per_test_path("cli", "whole.json"), merged = per_test_path("cli", "merged.json");
  int whole_status = run_fdconform("run " + common + " --json " + whole).status;
  std::string inputs;
  for (int i = 1; i <= 3; ++i) {
    std::string shard = per_test_path("cli", "shard" + std::to_string(i) + ".json");
    auto r = run_fdconform("run " + common + " --shard " + std::to_string(i) + "/3 --json " + shard);
    ASSERT_NE(r.status, 2) << r.out;
    inputs += " " + shard;
  }
  auto r = run_fdconform("merge" + inputs + " -o " + merged);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(cells_by_key(read_json_file(merged)), cells_by_key(read_json_file(whole)));
  EXPECT_EQ(read_json_file(merged)["summary"], read_json_file(whole)["summary"]);

  std::string html = per_test_path("cli", "report.html"), junit = per_test_path("cli", "report.xml");
  r = run_fdconform("report " + merged + " --html " + html + " --junit " + junit + " --github-annotations");
  EXPECT_EQ(r.status, whole_status) << r.out;  // the same verdict as the run itself
  EXPECT_NE(r.out.find("fdconform: "), std::string::npos);
  EXPECT_NE(r.out.find("::error file="), std::string::npos) << r.out;  // wrong-expectation fails
  EXPECT_TRUE(std::ifstream(html).good());
  EXPECT_TRUE(std::ifstream(junit).good());

  // A cell two shards both ran must say the same thing in both.
  json tampered = read_json_file(whole);
  for (auto& cell : tampered["cells"])
    if (cell["verdict"] == "match") cell["observation"]["child.umask"] = "0777";
  std::string tampered_path = per_test_path("cli", "tampered.json");
  std::ofstream(tampered_path) << tampered.dump();
  r = run_fdconform("merge " + whole + " " + tampered_path + " -o " + per_test_path("cli", "conflict.json"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("different results"), std::string::npos) << r.out;
}

TEST(Cli, ReportAndMergeRefuseWhatIsNotAResultsDocument) {
  std::string not_json = per_test_path("cli", "not.json");
  std::ofstream(not_json) << "{ not json";
  for (const std::string& command : {std::string("report /nonexistent/results.json"), "report " + not_json,
                                     "report " + ::testing::TempDir(), "merge " + not_json + " -o /dev/null"}) {
    auto r = run_fdconform(command);
    EXPECT_EQ(r.status, 2) << command << ": " << r.out;
  }
  // A document listing scenario files the run could not load is a failed run.
  std::string whole = per_test_path("cli", "whole.json");
  run_fdconform("run " + scenarios + "/plain-spawn.yaml --driver " + fake_drivers() +
            " --impl fake-b --reference fake-a --json " + whole);
  json document = read_json_file(whole);
  EXPECT_EQ(run_fdconform("report " + whole).status, 0);
  document["invalid_scenarios"] = json::array({{{"file", "scenarios/bad.yaml"}, {"line", 1}, {"column", 1},
                                                {"message", "not a mapping"}}});
  std::string with_invalid = per_test_path("cli", "with-invalid.json");
  std::ofstream(with_invalid) << document.dump();
  EXPECT_EQ(run_fdconform("report " + with_invalid).status, 1);

  std::string schema2 = per_test_path("cli", "schema2.json");
  std::ofstream(schema2) << R"({"fdconform_results": 2})";
  auto r = run_fdconform("report " + schema2);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("not a results document"), std::string::npos) << r.out;
}

TEST(Cli, ShowPrintsAnExpectBlock) {
  auto r = run_fdconform("show " + scenarios + "/plain-spawn.yaml --driver " + fake_drivers() + " --impl fake-b");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("plain-spawn on fake-b"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expect:\n  fields:\n    "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outcome: "), std::string::npos) << r.out;
  // Pasted into the scenario, the block validates and holds on that column.
  std::string block = r.out.substr(r.out.find("expect:\n"));
  std::string directory = per_test_path("cli", "pasted");
  std::filesystem::create_directories(directory);
  std::ifstream original(scenarios + "/plain-spawn.yaml");
  std::string text((std::istreambuf_iterator<char>(original)), std::istreambuf_iterator<char>());
  std::ofstream(directory + "/plain-spawn.yaml") << text.substr(0, text.find("expect:\n")) << block;
  auto validated = run_fdconform("validate " + directory);
  EXPECT_EQ(validated.status, 0) << validated.out << block;
  std::string json_path = per_test_path("cli", "pasted.json");
  auto pasted = run_fdconform("run " + directory + " --driver " + fake_drivers() +
                          " --impl fake-b --reference fake-b --json " + json_path);
  EXPECT_EQ(pasted.status, 0) << pasted.out << block;
  EXPECT_EQ(read_json_file(json_path)["cells"][0]["verdict"], "match") << pasted.out;

  r = run_fdconform("show no-such-scenario-id --driver " + fake_drivers() + " --impl fake-b");
  EXPECT_EQ(r.status, 2) << r.out;
  r = run_fdconform("show " + scenarios + "/plain-spawn.yaml --driver " + fake_drivers() + " --impl fake-z");
  EXPECT_EQ(r.status, 2) << r.out;
}

// --baseline catches a cell that passed before and is no-api now, as it catches a new skip; a cell the
// baseline did not see pass keeps its no-api verdict.
TEST(Cli, BaselineTurnsANewlyNoApiCellIntoAnError) {
  std::string drivers = per_test_path("cli", "drivers.json");
  std::string script = tests_dir + "/fake_drivers/fake_driver.py";
  std::ofstream(drivers) << json::array({{{"id", "fake-a"}, {"argv", {"/usr/bin/python3", script, "ok", "fake-a"}}},
                                         {{"id", "fake-c"}, {"argv", {"/usr/bin/python3", script, "no-api", "fake-c"}}}})
                                .dump();
  auto run_with_baseline = [&](const std::string& old_verdict) {
    std::string baseline = per_test_path("cli", "baseline-" + old_verdict + ".json");
    std::ofstream(baseline) << json({{"fdconform_results", 1},
                                     {"cells", json::array({{{"scenario", "plain-spawn"}, {"implementation", "fake-c"},
                                                             {"verdict", old_verdict}}})}})
                                   .dump();
    std::string results = per_test_path("cli", "results-" + old_verdict + ".json");
    auto r = run_fdconform("run " + scenarios + " --filter '^plain-spawn$' --driver " + drivers +
                       " --impl 'fake-*' --reference fake-a --baseline " + baseline + " --json " + results);
    json found, document = read_json_file(results);
    for (const auto& c : document["cells"])
      if (c["implementation"] == "fake-c") found = c;
    return std::pair{r, found};
  };
  auto [r, cell] = run_with_baseline("match");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(cell["verdict"], "error") << cell.dump();
  EXPECT_TRUE(cell["reason"].get<std::string>().starts_with("newly without API: match in the baseline ")) << cell.dump();
  EXPECT_NE(cell["reason"].get<std::string>().find("no API now: no API: fd at child fd 7"), std::string::npos)
      << cell.dump();
  std::tie(r, cell) = run_with_baseline("skip");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(cell["verdict"], "no-api") << cell.dump();
}

// A no-api cell has no observation: show names the capability the column's runtime lacks, never an empty
// block that would paste as an expectation of nothing.
TEST(Cli, ShowOnANoApiCellNamesTheMissingCapability) {
  std::string path = per_test_path("cli", "no-api.json");
  std::string script = tests_dir + "/fake_drivers/fake_driver.py";
  std::ofstream(path) << json::array({{{"id", "fake-c"}, {"argv", {"/usr/bin/python3", script, "no-api", "fake-c"}}}})
                             .dump();
  auto r = run_fdconform("show " + scenarios + "/plain-spawn.yaml --driver " + path + " --impl fake-c");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("plain-spawn on fake-c: no API: fd at child fd 7"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("expect:"), std::string::npos) << r.out;
}

}  // namespace
