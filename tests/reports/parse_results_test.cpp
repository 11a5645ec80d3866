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

}  // namespace
