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
  EXPECT_EQ(merged["merged_from"].size(), 2u);
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

TEST(Merge, SameHostTwiceGetsDistinctColumns) {
  json merged = reports::merge({reports_test::sample_results("hostA"), reports_test::sample_results("hostA")});
  auto ids = implementation_ids(merged);
  EXPECT_EQ(ids[0], "hostA/cpython-3.13.0");
  EXPECT_EQ(ids[3], "hostA~2/cpython-3.13.0");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 6u);
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
