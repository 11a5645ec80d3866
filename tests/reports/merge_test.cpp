#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "reports/junit.hpp"
#include "reports/merge.hpp"
#include "reports/results.hpp"
#include "reports/tally.hpp"
#include "sample_results.hpp"

namespace {

using nlohmann::json;

std::vector<std::string> implementation_ids(const json& document) {
  std::vector<std::string> ids;
  for (const auto& impl : document["implementations"]) ids.push_back(impl["id"]);
  return ids;
}

const json& cell_of(const json& document, const std::string& scenario, const std::string& impl) {
  for (const auto& cell : document["cells"])
    if (cell["scenario"] == scenario && cell["implementation"] == impl) return cell;
  throw std::runtime_error("no cell " + scenario + " / " + impl);
}

TEST(Merge, OneColumnPerHostAndImplementation) {
  json merged = reports::merge({reports_test::sample_results("hostA"), reports_test::sample_results("hostB")});
  EXPECT_EQ(implementation_ids(merged),
            (std::vector<std::string>{"hostA/cpython-3.13.0", "hostA/spawn_core-vfork", "hostA/cpython-3.6.15",
                                      "hostB/cpython-3.13.0", "hostB/spawn_core-vfork", "hostB/cpython-3.6.15"}));
  EXPECT_EQ(merged["reference"], "hostA/cpython-3.13.0");
  EXPECT_EQ(merged["scenarios"].size(), 4u);
  EXPECT_EQ(merged["cells"].size(), 24u);
  EXPECT_EQ(merged["implementations"][4]["host"], "hostB");
}

TEST(Merge, KeepsEveryHostsEnvironment) {
  auto b = reports_test::sample_results("hostB");
  b["environment"]["kernel"] = "6.12.0-other";
  json merged = reports::merge({reports_test::sample_results("hostA"), b});
  ASSERT_EQ(merged["environments"].size(), 2u);
  EXPECT_EQ(merged["environments"][0]["host"], "hostA");
  EXPECT_EQ(merged["environments"][1]["host"], "hostB");
  EXPECT_EQ(merged["environments"][1]["kernel"], "6.12.0-other");
  ASSERT_EQ(merged["merged_from"].size(), 2u);
  EXPECT_EQ(merged["merged_from"][1]["kernel"], "6.12.0-other");
  EXPECT_EQ(merged["merged_from"][1]["libc"], "glibc 2.36");
  EXPECT_EQ(merged["merged_from"][1]["distribution"], "Debian GNU/Linux 12 (bookworm)");
  // The columns themselves say which machine they ran on, not only the host name.
  const std::string detail = merged["implementations"][4]["detail"];
  EXPECT_NE(detail.find("Debian GNU/Linux 12 (bookworm), kernel 6.12.0-other, glibc 2.36"), std::string::npos) << detail;
}

TEST(Merge, RenumbersObservationClassesAcrossTheMergedRow) {
  auto b = reports_test::sample_results("hostB");
  b["cells"][0]["observation"]["child.umask"] = "077";  // hostB's reference saw something new
  json merged = reports::merge({reports_test::sample_results("hostA"), b});
  EXPECT_EQ(cell_of(merged, "fds-defaults", "hostA/cpython-3.13.0")["class"], 0);
  EXPECT_EQ(cell_of(merged, "fds-defaults", "hostA/spawn_core-vfork")["class"], 0);
  EXPECT_TRUE(cell_of(merged, "fds-defaults", "hostA/cpython-3.6.15")["class"].is_null());
  EXPECT_EQ(cell_of(merged, "fds-defaults", "hostB/cpython-3.13.0")["class"], 1);
  EXPECT_EQ(cell_of(merged, "fds-defaults", "hostB/spawn_core-vfork")["class"], 0);
}

TEST(Merge, SummaryAndSummaryLineCoverEveryDocument) {
  json merged = reports::merge({reports_test::sample_results("hostA"), reports_test::sample_results("hostB")});
  EXPECT_EQ(merged["summary"]["differ"], 6);
  EXPECT_EQ(reports::summary_line(merged), "fdconform: 10 passed, 10 failed, 4 skipped");
  std::ostringstream junit;
  reports::write_junit(merged, junit);
  EXPECT_NE(junit.str().find("<testsuite name=\"hostB/spawn_core-vfork\""), std::string::npos);
  EXPECT_NE(junit.str().find("hostname=\"hostB\""), std::string::npos);
}

TEST(Merge, NoApiCellsKeepTheirVerdictCapabilityAndCount) {
  json merged = reports::merge({reports_test::sample_results_with_no_api("hostA"),
                                reports_test::sample_results("hostB")});
  EXPECT_EQ(merged["summary"]["no-api"], 1);
  const json& lacking = cell_of(merged, "dup2-to-fd-7", "hostA/cpython-3.6.15");
  EXPECT_EQ(lacking["verdict"], "no-api");
  EXPECT_EQ(lacking["capability"], "fd at child fd 7");
  EXPECT_EQ(reports::summary_line(merged), "fdconform: 12 passed, 10 failed, 4 skipped, 1 no API");
}

// Shards of one host: `run --shard I/N` splits the scenarios, so each document holds some rows.
json shard_of(const json& document, const std::set<std::string>& scenarios) {
  json shard = document;
  shard["scenarios"] = json::array();
  shard["cells"] = json::array();
  for (const auto& scenario : document["scenarios"])
    if (scenarios.count(scenario["id"])) shard["scenarios"].push_back(scenario);
  for (const auto& cell : document["cells"])
    if (scenarios.count(cell["scenario"])) shard["cells"].push_back(cell);
  return shard;
}

std::set<std::string> scenario_ids(const json& document) {
  std::set<std::string> ids;
  for (const auto& scenario : document["scenarios"]) ids.insert(scenario["id"].get<std::string>());
  return ids;
}

TEST(Merge, ShardsOfOneHostCombineByRows) {
  json whole = reports_test::sample_results("hostA");
  std::vector<std::string> ids;
  for (const auto& scenario : whole["scenarios"]) ids.push_back(scenario["id"]);
  json first = shard_of(whole, {ids[0], ids[2]}), second = shard_of(whole, {ids[1], ids[3]});
  json merged = reports::merge({first, second});
  EXPECT_EQ(implementation_ids(merged), implementation_ids(whole));
  EXPECT_EQ(merged["reference"], "cpython-3.13.0");
  EXPECT_EQ(scenario_ids(merged), scenario_ids(whole));
  ASSERT_EQ(merged["cells"].size(), whole["cells"].size());
  for (const auto& cell : whole["cells"]) {
    const json& got = cell_of(merged, cell["scenario"], cell["implementation"]);
    EXPECT_EQ(got["verdict"], cell["verdict"]);
    EXPECT_EQ(got["observation"], cell["observation"]);
  }
  EXPECT_EQ(merged["summary"], reports::merge({whole})["summary"]);
  EXPECT_EQ(merged["complete"], true);
  EXPECT_EQ(merged["environments"].size(), 1u);
  EXPECT_EQ(merged["merged_from"].size(), 2u);
}

TEST(Merge, ACellInTwoShardsMustBeIdentical) {
  json whole = reports_test::sample_results("hostA");
  EXPECT_NO_THROW(reports::merge({whole, whole}));  // the same cells twice say the same thing
  json other = whole;
  other["cells"][1]["verdict"] = "differ";
  try {
    reports::merge({whole, other});
    FAIL() << "a cell with two verdicts was accepted";
  } catch (const reports::ResultsError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("fds-defaults on spawn_core-vfork"), std::string::npos) << message;
    EXPECT_NE(message.find("documents 1 and 2"), std::string::npos) << message;
  }
  other = whole;
  other["cells"][1]["observation"]["child.umask"] = "077";
  EXPECT_THROW(reports::merge({whole, other}), reports::ResultsError);
}

TEST(Merge, RowsTreatsShardsFromOtherRunnersAsOneMachine) {
  json whole = reports_test::sample_results("runner-1");
  json first = shard_of(whole, {"fds-defaults", "session-setsid"});
  json second = shard_of(reports_test::sample_results("runner-2"), {"umask-kept"});
  second["environment"]["kernel"] = "6.8.0-other";
  EXPECT_EQ(implementation_ids(reports::merge({first, second}))[0], "runner-1/cpython-3.13.0");
  json merged = reports::merge({first, second}, reports::MergeBy::rows);
  EXPECT_EQ(implementation_ids(merged), implementation_ids(whole));
  EXPECT_EQ(merged["environments"].size(), 1u);
  ASSERT_EQ(merged["merged_from"].size(), 2u);
  EXPECT_EQ(merged["merged_from"][1]["host"], "runner-2");
  EXPECT_EQ(merged["cells"].size(), 9u);
}

TEST(Merge, ShardsOfOneHostNeedOneReference) {
  json whole = reports_test::sample_results("hostA");
  json other = whole;
  other["reference"] = "spawn_core-vfork";
  EXPECT_THROW(reports::merge({whole, other}), reports::ResultsError);
}

TEST(Merge, ShardsThatRanDifferentColumnsAreIncomplete) {
  json whole = reports_test::sample_results("hostA");
  json first = shard_of(whole, {"fds-defaults"}), second = shard_of(whole, {"umask-kept"});
  second["implementations"].erase(2);  // no cpython-3.6.15 in the second shard
  json cells = json::array();
  for (const auto& cell : second["cells"])
    if (cell["implementation"] != "cpython-3.6.15") cells.push_back(cell);
  second["cells"] = cells;
  json merged = reports::merge({first, second});
  EXPECT_EQ(merged["complete"], false);
}

TEST(Merge, KeepsMembersItDoesNotKnow) {
  json whole = reports_test::sample_results("hostA");
  whole["cells"][7]["expectation"] = {{"reason", "vfork keeps the session"}, {"link", "https://example.org/1"}};
  whole["scenarios"][0]["new_member"] = json::array({1, 2});
  whole["implementations"][1]["new_member"] = "kept";
  whole["new_top_level"] = {{"kept", true}};
  for (const auto& merged : {reports::merge({shard_of(whole, {"fds-defaults", "session-setsid"}),
                                             shard_of(whole, {"umask-kept"})}),
                             reports::merge({whole, reports_test::sample_results("hostB")})}) {
    EXPECT_EQ(merged["new_top_level"]["kept"], true);
    bool found_expectation = false;
    for (const auto& cell : merged["cells"])
      found_expectation = found_expectation || (cell.contains("expectation") &&
                                                cell["expectation"]["reason"] == "vfork keeps the session");
    EXPECT_TRUE(found_expectation);
    EXPECT_EQ(merged["scenarios"][0]["new_member"], json::array({1, 2}));
    EXPECT_EQ(merged["implementations"][1]["new_member"], "kept");
  }
}

TEST(Merge, InvalidScenariosEveryShardListsAreKeptOnce) {
  json whole = reports_test::sample_results("hostA");
  whole["invalid_scenarios"] = json::array({{{"file", "scenarios/bad.yaml"}, {"line", 3}, {"column", 1},
                                             {"message", "unknown key"}},
                                            {{"file", "scenarios/bad.yaml"}, {"line", 4}, {"column", 1},
                                             {"message", "unknown key"}}});
  whole["summary"]["invalid_scenarios"] = 1;
  json merged = reports::merge({shard_of(whole, {"fds-defaults"}), shard_of(whole, {"umask-kept"})});
  EXPECT_EQ(merged["invalid_scenarios"].size(), 2u);
  EXPECT_EQ(merged["summary"]["invalid_scenarios"], 1);
}

TEST(Merge, SameHostAfterAKernelUpgradeGetsDistinctColumns) {
  auto upgraded = reports_test::sample_results("hostA");
  upgraded["environment"]["kernel"] = "6.12.0-test";
  json merged = reports::merge({reports_test::sample_results("hostA"), upgraded});
  auto ids = implementation_ids(merged);
  EXPECT_EQ(ids[0], "hostA/cpython-3.13.0");
  EXPECT_EQ(ids[3], "hostA~2/cpython-3.13.0");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 6u);
}

TEST(Merge, RefusesADocumentThatAlreadyCombinesHosts) {
  json two_hosts = reports::merge({reports_test::sample_results("hostA"), reports_test::sample_results("hostB")});
  EXPECT_THROW(reports::merge({two_hosts, reports_test::sample_results("hostC")}), reports::ResultsError);
  // A merge of one host's shards merges again like any document of that host.
  json one_host = reports::merge({reports_test::sample_results("hostA")});
  EXPECT_EQ(implementation_ids(reports::merge({one_host, reports_test::sample_results("hostB")}))[0],
            "hostA/cpython-3.13.0");
}

TEST(Merge, ScenariosOnlyOneHostRanAreKept) {
  auto b = reports_test::sample_results("hostB");
  b["scenarios"].push_back({{"id", "only-on-b"}, {"file", "scenarios/only-on-b.yaml"}});
  b["cells"].push_back({{"scenario", "only-on-b"}, {"implementation", "cpython-3.13.0"}, {"verdict", "match"},
                        {"observation", {{"outcome", "exited 0"}}}});
  json merged = reports::merge({reports_test::sample_results("hostA"), b});
  EXPECT_EQ(merged["scenarios"].size(), 5u);
  EXPECT_EQ(merged["scenarios"][4]["id"], "only-on-b");
  EXPECT_NO_THROW(reports::parse_results(merged));
}

TEST(Merge, ASingleDocumentKeepsItsIds) {
  json merged = reports::merge({reports_test::sample_results("hostA")});
  EXPECT_EQ(implementation_ids(merged)[1], "spawn_core-vfork");
  EXPECT_EQ(merged["reference"], "cpython-3.13.0");
  EXPECT_EQ(merged["complete"], true);
}

TEST(Merge, IncompleteIfAnyInputIs) {
  auto b = reports_test::sample_results("hostB");
  b["complete"] = false;
  EXPECT_EQ(reports::merge({reports_test::sample_results("hostA"), b})["complete"], false);
}

TEST(Merge, RejectsBadInputNamingTheDocument) {
  EXPECT_THROW(reports::merge({}), reports::ResultsError);
  try {
    reports::merge({reports_test::sample_results("hostA"), json{{"fdconform_results", 2}}});
    FAIL() << "a schema-2 document was accepted";
  } catch (const reports::ResultsError& error) {
    EXPECT_NE(std::string(error.what()).find("document 2"), std::string::npos) << error.what();
  }
}

}  // namespace
