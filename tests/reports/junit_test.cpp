#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "reports/junit.hpp"
#include "sample_results.hpp"

namespace {

using reports_test::kNasty;
using reports_test::run_command;
using reports_test::TempFile;

std::string junit_of(const nlohmann::json& document) {
  std::ostringstream out;
  reports::write_junit(document, out);
  return out.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string root_attribute(const std::string& xml, const std::string& name) {
  std::smatch match;
  std::regex pattern("<testsuites [^>]*\\b" + name + "=\"([^\"]*)\"");
  return std::regex_search(xml, match, pattern) ? match[1].str() : "<missing>";
}

// What an XML reader gives back for kNasty: the invalid controls became visible escapes.
std::string nasty_as_read() {
  std::string text = kNasty;
  text.replace(text.find('\x01'), 1, "\\x01");
  text.replace(text.find('\x1f'), 1, "\\x1f");
  return text;
}

TEST(Junit, OneTestcasePerScenarioAndImplementation) {
  std::string xml = junit_of(reports_test::sample_results());
  EXPECT_EQ(count_of(xml, "<testcase "), 12u);
  EXPECT_EQ(count_of(xml, "<testsuite "), 3u);
  EXPECT_NE(xml.find("<testcase name=\"umask-kept\" classname=\"spawn_core-vfork\" time=\"0.004\" "
                     "file=\"scenarios/umask-kept.yaml\" line=\"7\">"),
            std::string::npos)
      << xml;
}

TEST(Junit, ANoApiCellIsSkippedWithItsCapabilityAsTheMessage) {
  std::string xml = junit_of(reports_test::sample_results_with_no_api());
  EXPECT_EQ(count_of(xml, "<testcase "), 15u);
  EXPECT_NE(xml.find("<testcase name=\"dup2-to-fd-7\" classname=\"cpython-3.6.15\" time=\"0.004\" "
                     "file=\"scenarios/dup2-to-fd-7.yaml\" line=\"2\">\n      <skipped message=\"no API: fd at child "
                     "fd 7\"/>"),
            std::string::npos)
      << xml;
  // Counted among the skipped, never as a failure or an error.
  EXPECT_EQ(root_attribute(xml, "skipped"), "3");
  EXPECT_EQ(root_attribute(xml, "failures"), "4");
  EXPECT_EQ(root_attribute(xml, "errors"), "1");
}

TEST(Junit, RootCountsFollowTheVerdicts) {
  std::string xml = junit_of(reports_test::sample_results());
  EXPECT_EQ(root_attribute(xml, "tests"), "12");
  EXPECT_EQ(root_attribute(xml, "failures"), "4");  // 3 differ + 1 unexpected-pass
  EXPECT_EQ(root_attribute(xml, "errors"), "1");
  EXPECT_EQ(root_attribute(xml, "skipped"), "2");
  EXPECT_EQ(count_of(xml, "<failure "), 4u);
  EXPECT_EQ(count_of(xml, "<error "), 1u);
  EXPECT_EQ(count_of(xml, "<skipped "), 2u);
  EXPECT_NE(xml.find("<skipped message=\"needs root\"/>"), std::string::npos);
}

TEST(Junit, NoRawControlCharactersOrUnescapedMarkup) {
  std::string xml = junit_of(reports_test::sample_results());
  for (unsigned char c : xml) EXPECT_TRUE(c >= 0x20 || c == '\n' || c == '\t') << "byte " << int(c);
  EXPECT_EQ(xml.find("</script>"), std::string::npos);
  EXPECT_EQ(xml.find("<!--"), std::string::npos);
  EXPECT_NE(xml.find("a&lt;b&amp;c&quot;d&apos;e]]&gt;f\\x01g\\x1fh"), std::string::npos);
}

TEST(Junit, MissingCellsOfAnIncompleteRunAreSkipped) {
  auto document = reports_test::sample_results();
  document["complete"] = false;
  document["cells"].erase(document["cells"].begin());  // fds-defaults on the reference
  std::string xml = junit_of(document);
  EXPECT_EQ(count_of(xml, "<testcase "), 12u);
  EXPECT_EQ(root_attribute(xml, "skipped"), "3");
  EXPECT_NE(xml.find("not run: the run ended before this cell"), std::string::npos);
}

class JunitWithXmllint : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!reports_test::have_program("xmllint"))
      GTEST_SKIP() << "xmllint not installed (Debian package libxml2-utils; scripts/setup-deps installs it)";
    file_.write(junit_of(reports_test::sample_results()));
  }
  std::string xpath(const std::string& expression) {
    auto result = run_command("xmllint --xpath '" + expression + "' " + file_.path() + " 2>&1");
    EXPECT_EQ(result.status, 0) << result.output;
    // xmllint ends what it prints with a newline of its own.
    if (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result.output;
  }
  TempFile file_{".xml"};
};

TEST_F(JunitWithXmllint, ValidatesAgainstTheJunitSchema) {
  auto result = run_command("xmllint --noout --schema " FDCONFORM_JUNIT_XSD " " + file_.path() + " 2>&1");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("validates"), std::string::npos) << result.output;
}

TEST_F(JunitWithXmllint, SchemaRejectsAMisplacedElement) {
  // The check above means something only if the schema can fail.
  TempFile bad(".xml");
  bad.write("<testsuites><testcase name=\"x\"/></testsuites>");
  auto result = run_command("xmllint --noout --schema " FDCONFORM_JUNIT_XSD " " + bad.path() + " 2>&1");
  EXPECT_NE(result.status, 0) << result.output;
}

TEST_F(JunitWithXmllint, NastyTextReadsBackIntact) {
  EXPECT_EQ(xpath("string(//testsuite[@name=\"spawn_core-vfork\"]/testcase[2]/@name)"), "nasty-" + nasty_as_read());
  EXPECT_EQ(xpath("string(//testsuite[@name=\"cpython-3.6.15\"]/testcase[2]/error/@message)"),
            "driver crashed: " + nasty_as_read());
}

TEST_F(JunitWithXmllint, FailureCarriesTheDiff) {
  std::string body = xpath("string(//testsuite[@name=\"spawn_core-vfork\"]/testcase[2]/failure)");
  EXPECT_NE(body.find("child.fd.5: reference: \"p.read <rdonly>\" / this column: (absent)"), std::string::npos) << body;
  EXPECT_NE(body.find("child.fds: reference: \"0,1,2,5\" / this column: \"0,1,2\""), std::string::npos) << body;
  std::string expectation = xpath("string(//testsuite[@name=\"spawn_core-vfork\"]/testcase[4]/failure)");
  EXPECT_NE(expectation.find("expect child.umask: expected: \"077\" / observed: \"022\""), std::string::npos)
      << expectation;
  EXPECT_EQ(xpath("string(//testsuite[@name=\"cpython-3.6.15\"]/testcase[3]/failure/@type)"), "unexpected-pass");
}

}  // namespace

namespace {

TEST(Junit, ExpectedDifferencePassesWithItsReasonLinkAndEntry) {
  std::string xml = junit_of(reports_test::sample_results_with_reasons());
  auto at = xml.find("<testcase name=\"session-setsid\" classname=\"spawn_core-vfork\"");
  ASSERT_NE(at, std::string::npos) << xml;
  std::string testcase = xml.substr(at, xml.find("</testcase>", at) - at);
  EXPECT_EQ(testcase.find("<failure"), std::string::npos) << testcase;
  EXPECT_NE(testcase.find("<system-out>expected difference, accepted by an expectation file:\n"
                          "  reason: vfork keeps the parent's session a&lt;b&amp;c"),
            std::string::npos)
      << testcase;
  EXPECT_NE(testcase.find("  link: https://example.invalid/issue/1\n  entry: expectations/spawn_core.yaml:12\n"),
            std::string::npos)
      << testcase;
  EXPECT_NE(testcase.find("  reason: second entry\n"), std::string::npos) << testcase;
  EXPECT_NE(testcase.find("child.session: reference: \"self\" / this column: \"parent\""),
            std::string::npos)
      << testcase;
}

TEST(Junit, UnexpectedPassNamesTheEntry) {
  std::string xml = junit_of(reports_test::sample_results_with_reasons());
  EXPECT_NE(xml.find("expectation entry expectations/cpython-3.6.yaml:8: 3.6 kept the session "
                     "(https://example.invalid/issue/3)\n</failure>"),
            std::string::npos)
      << xml;
}

TEST(Junit, EachInvalidScenarioFileIsAnErroredTestcase) {
  std::string xml = junit_of(reports_test::sample_results_with_reasons());
  EXPECT_EQ(root_attribute(xml, "tests"), "13");   // 12 cells and one file
  EXPECT_EQ(root_attribute(xml, "errors"), "2");   // the cell error and the file
  EXPECT_EQ(root_attribute(xml, "failures"), "4");
  EXPECT_NE(xml.find("<testsuite name=\"invalid scenario files\" tests=\"1\" failures=\"0\" errors=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase name=\"scenarios/broken.yaml\" classname=\"invalid-scenario\" time=\"0.000\" "
                     "file=\"scenarios/broken.yaml\" line=\"4\">\n"
                     "      <error message=\"parent.umask: expected an octal string\" type=\"invalid-scenario\">"
                     "scenarios/broken.yaml:4:9: parent.umask: expected an octal string\n"
                     "scenarios/broken.yaml:7:3: unknown key 'colour'\n</error>"),
            std::string::npos)
      << xml;
  // Without invalid files there is no such suite.
  EXPECT_EQ(junit_of(reports_test::sample_results()).find("invalid scenario files"), std::string::npos);
}

TEST(Junit, WithReasonsAndInvalidFilesStillValidates) {
  if (!reports_test::have_program("xmllint")) GTEST_SKIP() << "xmllint not installed (Debian package libxml2-utils)";
  TempFile file(".xml");
  file.write(junit_of(reports_test::sample_results_with_reasons()));
  auto result = run_command("xmllint --noout --schema " FDCONFORM_JUNIT_XSD " " + file.path() + " 2>&1");
  EXPECT_EQ(result.status, 0) << result.output;
}

}  // namespace
