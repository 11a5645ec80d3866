#include <gtest/gtest.h>

#include "reports/results.hpp"
#include "sample_results.hpp"

namespace {

using nlohmann::json;

std::string error_of(const json& document) {
  try {
    reports::parse_results(document);
  } catch (const reports::ResultsError& error) {
    return error.what();
  }
  return "<accepted>";
}

TEST(ParseResults, ReadsTheSampleDocument) {
  auto results = reports::parse_results(reports_test::sample_results());
  EXPECT_EQ(results.implementations.size(), 3u);
  EXPECT_EQ(results.scenarios.size(), 4u);
  ASSERT_EQ(results.cells.size(), 12u);
  EXPECT_EQ(results.cells[4].verdict, reports::Verdict::differ);
  ASSERT_EQ(results.cells[4].diff.size(), 2u);
  EXPECT_FALSE(results.cells[4].diff[0].actual.has_value());
  EXPECT_EQ(results.cells[4].observation->at("child.fds"), "0,1,2");
  EXPECT_FALSE(results.cells[2].observation.has_value());
  EXPECT_EQ(results.scenarios[3].line, 7);
  ASSERT_EQ(results.environments.size(), 1u);
}

TEST(ParseResults, NamesWhatIsWrong) {
  EXPECT_NE(error_of(json::array()).find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of(json::object()).find("fdconform_results"), std::string::npos);
  auto document = reports_test::sample_results();
  document["fdconform_results"] = 2;
  EXPECT_NE(error_of(document).find("schema version 2"), std::string::npos);

  document = reports_test::sample_results();
  document["cells"][5]["verdict"] = "passed";
  EXPECT_NE(error_of(document).find("cells[5]: unknown verdict \"passed\""), std::string::npos) << error_of(document);

  document = reports_test::sample_results();
  document["cells"][0]["scenario"] = "nope";
  EXPECT_NE(error_of(document).find("scenario \"nope\" is not in \"scenarios\""), std::string::npos);

  document = reports_test::sample_results();
  document["cells"].push_back(document["cells"][0]);
  EXPECT_NE(error_of(document).find("a second cell"), std::string::npos);

  document = reports_test::sample_results();
  document["implementations"][1].erase("id");
  EXPECT_NE(error_of(document).find("implementations[1]: expected a string member \"id\""), std::string::npos);

  document = reports_test::sample_results();
  document["cells"][1]["observation"] = "exited 0";
  EXPECT_NE(error_of(document).find("cells[1]: expected \"observation\" to be an object"), std::string::npos);
}

TEST(ParseResults, ReadsExpectationEntriesAndInvalidScenarios) {
  auto results = reports::parse_results(reports_test::sample_results_with_reasons());
  const reports::Cell& accepted = results.cells[7];  // session-setsid on spawn_core-vfork
  ASSERT_EQ(accepted.verdict, reports::Verdict::expected_differ);
  ASSERT_EQ(accepted.expectation.size(), 2u);  // the entry and the one in "also"
  EXPECT_EQ(accepted.expectation[0].reason, "vfork keeps the parent's session " + reports_test::kNasty);
  EXPECT_EQ(accepted.expectation[0].link, "https://example.invalid/issue/1");
  EXPECT_EQ(accepted.expectation[0].file, "expectations/spawn_core.yaml");
  EXPECT_EQ(accepted.expectation[0].line, 12);
  EXPECT_EQ(accepted.expectation[1].file, "expectations/more.yaml");
  EXPECT_TRUE(results.cells[0].expectation.empty());
  ASSERT_EQ(results.invalid_scenarios.size(), 2u);
  EXPECT_EQ(results.invalid_scenarios[1].line, 7);
  EXPECT_EQ(results.invalid_scenarios[1].column, 3);
  EXPECT_EQ(results.invalid_scenarios[1].message, "unknown key 'colour'");
  EXPECT_EQ(reports::invalid_scenario_files(results), std::vector<std::string>{"scenarios/broken.yaml"});
  // Older documents have neither member.
  EXPECT_TRUE(reports::parse_results(reports_test::sample_results()).invalid_scenarios.empty());
}

TEST(ParseResults, NamesAMalformedExpectationOrInvalidScenarioList) {
  auto document = reports_test::sample_results_with_reasons();
  document["cells"][7]["expectation"] = "because";
  EXPECT_NE(error_of(document).find("cells[7].expectation: expected an object"), std::string::npos) << error_of(document);
  document = reports_test::sample_results_with_reasons();
  document["cells"][7]["expectation"]["also"] = 3;
  EXPECT_NE(error_of(document).find("\"also\" to be an array"), std::string::npos) << error_of(document);
  document = reports_test::sample_results_with_reasons();
  document["invalid_scenarios"] = json::object();
  EXPECT_NE(error_of(document).find("\"invalid_scenarios\" to be an array"), std::string::npos);
  document = reports_test::sample_results_with_reasons();
  document["invalid_scenarios"][0].erase("file");
  EXPECT_NE(error_of(document).find("invalid_scenarios[0]: expected a string member \"file\""), std::string::npos);
  // Odd numbers are clamped, never trusted.
  document = reports_test::sample_results_with_reasons();
  document["invalid_scenarios"][0]["line"] = -5;
  document["cells"][7]["expectation"]["line"] = 1e12;
  auto results = reports::parse_results(document);
  EXPECT_EQ(results.invalid_scenarios[0].line, 1);
}

// A run's document as the runner writes it, with every member the schema has (docs/RESULTS.md).
json full_run_document() {
  json observation = {{"outcome", "exited 0"}, {"child.fds", "0,1,2"}};
  json cell_base = {{"reason", nullptr}, {"diff", json::array()}, {"expectation_failures", json::array()},
                    {"duration_ms", 4.5}, {"class", 0}, {"observation", observation}};
  json match = cell_base, accepted = cell_base, lacking = cell_base, failed = cell_base;
  match.update({{"scenario", "fds-defaults"}, {"implementation", "ref"}, {"verdict", "match"}});
  accepted.update({{"scenario", "fds-defaults"}, {"implementation", "other"}, {"verdict", "expected-differ"},
                   {"class", 1},
                   {"diff", json::array({{{"field", "child.fds"}, {"expected", "0,1,2"}, {"actual", nullptr}}})},
                   {"expectation", {{"reason", "why"}, {"link", "https://example.org/1"}, {"file", "e.yaml"},
                                    {"line", 7}, {"also", json::array({{{"reason", "too"}, {"link", ""},
                                                                        {"file", "f.yaml"}, {"line", 3}}})}}}});
  lacking.update({{"scenario", "fds-defaults"}, {"implementation", "gone"}, {"verdict", "no-api"},
                  {"reason", "no API: fd at child fd 7"}, {"observation", json::object()}, {"class", nullptr},
                  {"capability", "fd at child fd 7"}});
  failed.update({{"scenario", "umask"}, {"implementation", "ref"}, {"verdict", "differ"}, {"reason", "expect"},
                 {"expectation_failures", json::array({{{"field", "child.umask"}, {"expected", "077"},
                                                         {"actual", "022"}}})}});
  return {
      {"fdconform_results", 1},
      {"complete", false},
      {"fdconform", {{"version", "0.1.0"}, {"commit", "abc1234"}}},
      {"environment", {{"host", "h"}, {"cores", 2}, {"root", false}}},
      {"reference", "ref"},
      {"implementations",
       json::array({{{"id", "ref"}, {"name", "Ref"}, {"version", "1"}, {"detail", "d"}, {"features", {"a", "b"}},
                     {"argv", {"/bin/ref"}}, {"language", "c"}, {"variant", json::object()}, {"rerun", json::array()}},
                    {{"id", "other"}, {"name", "Other"}, {"version", "2"}, {"detail", ""}, {"features", json::array()},
                     {"argv", {"/bin/other", "-x"}}, {"language", "python"}, {"variant", {{"path", "vfork"}}},
                     {"rerun", {"--impl", "other"}}, {"host", "h"}},
                    {{"id", "gone"}, {"name", ""}, {"version", ""}, {"detail", ""}, {"features", json::array()},
                     {"argv", {"/nonexistent"}}, {"language", ""}, {"variant", json::object()},
                     {"rerun", json::array()}, {"unavailable", "cannot start /nonexistent"}}})},
      {"scenarios",
       json::array({{{"id", "fds-defaults"}, {"title", "t"}, {"description", "d"}, {"file", "scenarios/f.yaml"},
                     {"line", 1}, {"tags", {"fds"}}, {"covers", {"X1"}}, {"source", "s"}, {"yaml", "id: fds-defaults\n"}},
                    {{"id", "umask"}, {"title", ""}, {"description", ""}, {"file", "scenarios/u.yaml"}, {"line", 1},
                     {"tags", json::array()}, {"covers", json::array()}, {"source", ""}, {"yaml", ""}}})},
      {"cells", json::array({match, accepted, lacking, failed})},
      {"invalid_scenarios", json::array({{{"file", "scenarios/bad.yaml"}, {"line", 4}, {"column", 9}, {"message", "m"}},
                                         {{"file", "scenarios/bad.yaml"}, {"line", 5}, {"column", 1}, {"message", "n"}}})},
      {"summary", {{"match", 1}, {"differ", 1}, {"expected-differ", 1}, {"unexpected-pass", 0}, {"skip", 0},
                   {"error", 0}, {"no-api", 1}, {"invalid_scenarios", 1}}},
      {"unmatched_expectations",
       json::array({{{"file", "e.yaml"}, {"line", 14}, {"scenario", "renamed"}, {"why", "not in the corpus"}}})}};
}

// The writer and the parser describe one schema: what one reads, the other writes back unchanged.
TEST(WriteResults, WritesBackEveryMemberTheParserRead) {
  const json document = full_run_document();
  EXPECT_EQ(reports::write_results(reports::parse_results(document)), document)
      << reports::write_results(reports::parse_results(document)).dump(1);
}

TEST(WriteResults, CountsTheSummaryAndLeavesOutWhatARunDidNotHave) {
  json document = full_run_document();
  document.erase("unmatched_expectations");
  document["summary"] = {{"match", 0}};  // the writer counts; a stale block is not copied
  json written = reports::write_results(reports::parse_results(document));
  EXPECT_FALSE(written.contains("unmatched_expectations"));
  EXPECT_EQ(written["summary"], full_run_document()["summary"]);
  // Several machines' blocks are "environments"; one is "environment".
  document["environments"] = json::array({{{"host", "a"}}, {{"host", "b"}}});
  written = reports::write_results(reports::parse_results(document));
  EXPECT_FALSE(written.contains("environment"));
  EXPECT_EQ(written["environments"].size(), 2u);
}

}  // namespace
