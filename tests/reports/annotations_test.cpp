#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "reports/github_annotations.hpp"
#include "sample_results.hpp"

namespace {

std::vector<std::string> annotation_lines(const nlohmann::json& document) {
  std::ostringstream out;
  reports::write_github_annotations(document, out);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(GithubAnnotations, OneErrorLinePerFailingCell) {
  auto lines = annotation_lines(reports_test::sample_results());
  ASSERT_EQ(lines.size(), 5u);  // 3 differ, 1 unexpected-pass, 1 error
  for (const auto& line : lines) EXPECT_EQ(line.rfind("::error file=scenarios/", 0), 0u) << line;
}

TEST(GithubAnnotations, PointsAtTheScenarioFileAndLine) {
  auto lines = annotation_lines(reports_test::sample_results());
  EXPECT_EQ(lines[3],
            "::error file=scenarios/umask-kept.yaml,line=7::umask-kept on cpython-3.13.0: differ%0Aexpectation failed"
            "%0Aexpect child.umask: expected: \"077\" / observed: \"022\"");
  EXPECT_EQ(lines[0].rfind("::error file=scenarios/nasty.yaml,line=3::nasty-", 0), 0u) << lines[0];
}

TEST(GithubAnnotations, EscapesWorkflowCommandSyntax) {
  auto document = reports_test::sample_results();
  document["scenarios"][3]["file"] = "scenarios/a,b:c%.yaml";
  document["cells"][9]["reason"] = "50% done\r\nnext";
  auto lines = annotation_lines(document);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[3].rfind("::error file=scenarios/a%2Cb%3Ac%25.yaml,line=7::", 0), 0u) << lines[3];
  EXPECT_NE(lines[3].find("50%25 done%0D%0Anext"), std::string::npos) << lines[3];
}

TEST(GithubAnnotations, NoneForANoApiCell) {
  // The same five failing cells: the no-api cell of the added row is not one.
  auto lines = annotation_lines(reports_test::sample_results_with_no_api());
  ASSERT_EQ(lines.size(), 5u);
  for (const auto& line : lines) EXPECT_EQ(line.find("dup2-to-fd-7"), std::string::npos) << line;
}

TEST(GithubAnnotations, NothingForAPassingRun) {
  auto document = reports_test::sample_results();
  for (auto& cell : document["cells"]) cell["verdict"] = "match";
  EXPECT_TRUE(annotation_lines(document).empty());
}

}  // namespace
