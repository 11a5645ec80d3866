#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "reports/html.hpp"
#include "reports/results.hpp"
#include "sample_results.hpp"

namespace {

using nlohmann::json;

std::string html_of(const json& document) {
  std::ostringstream out;
  reports::write_html(document, out);
  return out.str();
}

const std::string kDataOpen = "<script type=\"application/json\" id=\"fdc-data\">";

json embedded_data(const std::string& html) {
  auto start = html.find(kDataOpen);
  if (start == std::string::npos) return nullptr;
  start += kDataOpen.size();
  auto end = html.find("</script>", start);
  return json::parse(html.substr(start, end - start));
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Html, IsSelfContained) {
  std::string html = html_of(reports_test::sample_results());
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex("<script[^>]*\\ssrc=")));
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_EQ(html.find("{{"), std::string::npos) << "a template placeholder was left in the page";
}

TEST(Html, EmbedsTheDataBlockSafely) {
  std::string html = html_of(reports_test::sample_results());
  ASSERT_NE(html.find(kDataOpen), std::string::npos);
  // The nasty text holds "</script>" and "<!--": inside the data they must not end or open anything.
  EXPECT_EQ(count_of(html, "</script>"), 2u);
  EXPECT_EQ(count_of(html, "<!--"), 0u);
  json data = embedded_data(html);
  ASSERT_EQ(data["rows"].size(), 4u);
  EXPECT_EQ(data["rows"][1]["id"], "nasty-" + reports_test::kNasty);
  EXPECT_EQ(data["impls"].size(), 3u);
  EXPECT_EQ(data["refCol"], 0);
  EXPECT_EQ(data["environments"][0]["host"], "hostA");
}

TEST(Html, StoresEachDistinctObservationOncePerRow) {
  json data = embedded_data(html_of(reports_test::sample_results()));
  const json& defaults = data["rows"][0];
  EXPECT_EQ(defaults["obs"].size(), 1u);  // reference and vfork saw the same; 3.6 skipped
  EXPECT_EQ(defaults["c"][0], json::array({0, 0}));
  EXPECT_EQ(defaults["c"][1], json::array({0, 0}));
  EXPECT_EQ(defaults["c"][2], json::array({4, -1, "needs Python >= 3.7"}));
  const json& session = data["rows"][2];
  EXPECT_EQ(session["obs"].size(), 2u);
  EXPECT_EQ(session["c"][1][1], 1);  // vfork: the odd one out
  EXPECT_EQ(session["c"][2][1], 0);  // 3.6 saw what the reference saw
  // Observations are [field index, value, ...] against the shared field list.
  const json& fields = data["fields"];
  const json& flat = defaults["obs"][0];
  bool found = false;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
    if (fields[flat[i].get<int>()] == "child.fds") found = flat[i + 1] == "0,1,2";
  EXPECT_TRUE(found);
}

TEST(Html, CarriesExpectationFailures) {
  json data = embedded_data(html_of(reports_test::sample_results()));
  EXPECT_EQ(data["rows"][3]["c"][0],
            json::parse(R"([1, 0, "expectation failed", [["child.umask", "077", "022"]]])"));
}

TEST(Html, MissingReferenceAndMissingCells) {
  auto document = reports_test::sample_results();
  document["reference"] = "not-a-column";
  document["complete"] = false;
  document["cells"].erase(document["cells"].begin() + 1);  // fds-defaults on spawn_core-vfork
  json data = embedded_data(html_of(document));
  EXPECT_EQ(data["refCol"], -1);
  EXPECT_EQ(data["complete"], false);
  EXPECT_TRUE(data["rows"][0]["c"][1].is_null());
  EXPECT_EQ(data["rows"][0]["c"][0], json::array({0, 0}));
}

TEST(Html, SurvivesInvalidUtf8) {
  auto document = reports_test::sample_results();
  document["scenarios"][0]["description"] = std::string("bad \xFF byte");
  std::string html;
  ASSERT_NO_THROW(html = html_of(document));
  EXPECT_NO_THROW(embedded_data(html));
}

TEST(Html, ThousandByTwelveStaysUnderFiveMebibytes) {
  if (std::string(FDCONFORM_PYTHON).empty()) GTEST_SKIP() << "no Python 3 interpreter found by CMake";
  reports_test::TempFile results(".json");
  auto generated = reports_test::run_command(std::string(FDCONFORM_PYTHON) + " " FDCONFORM_MAKE_LARGE_RESULTS
                                             " --scenarios 1000 --implementations 12 --output " + results.path() +
                                             " 2>&1");
  ASSERT_EQ(generated.status, 0) << generated.output;
  std::ifstream in(results.path());
  json document = json::parse(in);
  ASSERT_EQ(document["cells"].size(), 12000u);
  std::string html = html_of(document);
  EXPECT_LT(html.size(), 5u * 1024 * 1024) << "HTML report is " << html.size() << " bytes";
  json data = embedded_data(html);
  EXPECT_EQ(data["rows"].size(), 1000u);
  EXPECT_EQ(data["impls"].size(), 12u);
}

}  // namespace
