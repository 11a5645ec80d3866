#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
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
  EXPECT_EQ(data["refCol"], 1);  // columns in version order: cpython-3.6.15, cpython-3.13.0, spawn_core-vfork
  EXPECT_EQ(data["environments"][0]["host"], "hostA");
}

TEST(Html, StoresEachDistinctObservationOncePerRow) {
  json data = embedded_data(html_of(reports_test::sample_results()));
  const json& defaults = data["rows"][0];
  EXPECT_EQ(defaults["obs"].size(), 1u);  // reference and vfork saw the same; 3.6 skipped
  EXPECT_EQ(defaults["c"][1], json::array({0, 0}));
  EXPECT_EQ(defaults["c"][2], json::array({0, 0}));
  EXPECT_EQ(defaults["c"][0], json::array({4, -1, "needs Python >= 3.7"}));  // a skip keeps its reason
  const json& session = data["rows"][2];
  EXPECT_EQ(session["obs"].size(), 2u);
  EXPECT_EQ(session["c"][2][1], 1);  // vfork: the odd one out
  EXPECT_EQ(session["c"][0][1], 0);  // 3.6 saw what the reference saw
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
  EXPECT_EQ(data["rows"][3]["c"][1],
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
  EXPECT_TRUE(data["rows"][0]["c"][2].is_null());
  EXPECT_EQ(data["rows"][0]["c"][1], json::array({0, 0}));
}

TEST(Html, SurvivesInvalidUtf8) {
  auto document = reports_test::sample_results();
  document["scenarios"][0]["description"] = std::string("bad \xFF byte");
  std::string html;
  ASSERT_NO_THROW(html = html_of(document));
  EXPECT_NO_THROW(embedded_data(html));
}

TEST(Html, TotalsForTheBannerCountCellsLikeTheSummaryLine) {
  json data = embedded_data(html_of(reports_test::sample_results()));
  EXPECT_EQ(data["totals"], json::parse(R"({"outcome": "fail", "passed": 5, "failed": 5, "skipped": 2,
                                            "accepted": 1, "missing": 0})"));
  // The document's own summary block is stale on purpose: the banner must not read it.
  auto document = reports_test::sample_results();
  document["summary"] = {{"match", 99}};
  EXPECT_EQ(embedded_data(html_of(document))["totals"]["failed"], 5);
}

TEST(Html, ANoApiCellHasItsOwnVerdictStyleLegendAndCount) {
  json data = embedded_data(html_of(reports_test::sample_results_with_no_api()));
  EXPECT_EQ(data["totals"]["noApi"], 1);
  EXPECT_EQ(data["totals"]["skipped"], 2);
  EXPECT_EQ(data["totals"]["outcome"], "fail");  // the sample's own failures; no-api adds none
  ASSERT_EQ(data["verdicts"].size(), 7u);
  EXPECT_EQ(data["verdicts"][6], "no-api");
  const json& row = data["rows"].back();
  ASSERT_EQ(row["id"], "dup2-to-fd-7");
  bool found = false;
  for (const auto& cell : row["c"])
    if (cell.is_array() && cell[0] == 6) {
      found = true;
      EXPECT_EQ(cell[2], "no API: fd at child fd 7");
    }
  EXPECT_TRUE(found) << row.dump();
  // The page styles the verdict's class and lists it in the legend (the script's order of verdicts).
  std::string page = html_of(reports_test::sample_results_with_no_api());
  EXPECT_NE(page.find(".fdc-v-no-api"), std::string::npos);
  EXPECT_NE(page.find("V.skip, V.noApi].map"), std::string::npos);
  // Without such a cell the totals carry no count for it.
  EXPECT_FALSE(embedded_data(html_of(reports_test::sample_results()))["totals"].contains("noApi"));
}

TEST(Html, TotalsSayPassAndIncomplete) {
  auto passing = reports_test::sample_results();
  for (auto& cell : passing["cells"])
    if (cell["verdict"] == "differ" || cell["verdict"] == "unexpected-pass" || cell["verdict"] == "error") {
      cell["verdict"] = "match";
      cell["expectation_failures"] = json::array();
    }
  EXPECT_EQ(embedded_data(html_of(passing))["totals"]["outcome"], "pass");

  auto interrupted = passing;
  interrupted["complete"] = false;
  interrupted["cells"].erase(interrupted["cells"].begin() + 1);
  json totals = embedded_data(html_of(interrupted))["totals"];
  EXPECT_EQ(totals["outcome"], "incomplete");
  EXPECT_EQ(totals["missing"], 1);

  auto failing_and_cut = reports_test::sample_results();
  failing_and_cut["complete"] = false;
  EXPECT_EQ(embedded_data(html_of(failing_and_cut))["totals"]["outcome"], "fail");  // failure wins
}

// A document with one scenario and a column per id, each cell a skip whose reason is its column id.
json columns_document(const std::vector<std::string>& ids, const std::string& reference) {
  json doc = {{"fdconform_results", 1}, {"reference", reference}, {"implementations", json::array()},
              {"scenarios", json::array({{{"id", "s"}}})}, {"cells", json::array()}};
  for (const auto& id : ids) {
    doc["implementations"].push_back({{"id", id}});
    doc["cells"].push_back({{"scenario", "s"}, {"implementation", id}, {"verdict", "skip"}, {"reason", id}});
  }
  return doc;
}

std::vector<std::string> shown_columns(const json& data) {
  std::vector<std::string> ids;
  for (const auto& impl : data["impls"]) ids.push_back(impl["id"]);
  // Each cell moved with its column: its reason is its column's id.
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(data["rows"][0]["c"][i][2], ids[i]) << "cell " << i;
  return ids;
}

TEST(Html, ColumnsInVersionOrderGroupedByFamilyReferenceFamilyFirst) {
  json data = embedded_data(html_of(columns_document(
      {"cpython-3.13.0", "cpython-3.6.15", "cpython-3.10.13", "spawn_core-vfork", "cpython-3.9.18", "spawn_core-fork",
       "debian-python-3.11.2", "spawn_core-posix_spawn", "cpython-3.10.2", "aaa-1.0"},
      "cpython-3.13.0")));
  EXPECT_EQ(shown_columns(data),
            (std::vector<std::string>{"cpython-3.6.15", "cpython-3.9.18", "cpython-3.10.2", "cpython-3.10.13",
                                      "cpython-3.13.0", "aaa-1.0", "debian-python-3.11.2", "spawn_core-fork",
                                      "spawn_core-posix_spawn", "spawn_core-vfork"}));
  EXPECT_EQ(data["refCol"], 4);
  EXPECT_EQ(data["impls"][0]["family"], "cpython");
  EXPECT_EQ(data["impls"][6]["family"], "debian-python");
  EXPECT_EQ(data["impls"][9]["family"], "spawn_core");
}

TEST(Html, MergedColumnsGroupByHostAndFamily) {
  json data = embedded_data(html_of(columns_document(
      {"hostB/cpython-3.13.0", "hostA/cpython-3.13.0", "hostA/cpython-3.9.1", "hostB/cpython-3.10.0"},
      "hostA/cpython-3.13.0")));
  EXPECT_EQ(shown_columns(data), (std::vector<std::string>{"hostA/cpython-3.9.1", "hostA/cpython-3.13.0",
                                                          "hostB/cpython-3.10.0", "hostB/cpython-3.13.0"}));
  EXPECT_EQ(data["impls"][0]["family"], "hostA/cpython");
  EXPECT_EQ(data["refCol"], 1);
}

TEST(Html, RuntimeViewKeepsEachFamilysNewestDefaultColumnAndTheReference) {
  json data = embedded_data(html_of(columns_document(
      {"cpython-3.13.0", "cpython-3.6.15", "java-17.0.15", "java-25.0.3-fork", "java-25.0.3", "node-20.20.2-spawnSync",
       "node-20.20.2", "spawn_core-vfork", "spawn_core-fork", "spawn_core-auto", "hostB/java-17.0.15"},
      "cpython-3.6.15")));
  std::set<std::string> kept;
  for (const auto& impl : data["impls"])
    if (impl["runtimeView"].get<bool>()) kept.insert(impl["id"].get<std::string>());
  // The reference stands for CPython although 3.13 is newer; a merged host's family keeps its own column.
  EXPECT_EQ(kept, (std::set<std::string>{"cpython-3.6.15", "java-25.0.3", "node-20.20.2", "spawn_core-auto",
                                         "hostB/java-17.0.15"}));
}

TEST(Html, CarriesAnExpectationsReasonAndLinkOnlyWhenTheDocumentHasThem) {
  auto document = reports_test::sample_results();
  // The session-setsid cell on spawn_core-vfork is the expected-differ one.
  for (auto& cell : document["cells"])
    if (cell["verdict"] == "expected-differ")
      cell["expectation"] = {{"reason", "vfork keeps the session " + reports_test::kNasty},
                             {"link", "https://example.invalid/issue/1"}, {"unknown", 1}};
  std::string html = html_of(document);
  json data = embedded_data(html);
  const json& cell = data["rows"][2]["c"][2];
  ASSERT_EQ(cell.size(), 5u) << cell.dump();
  EXPECT_EQ(cell[0], 2);
  EXPECT_EQ(cell[4], json({{"reason", "vfork keeps the session " + reports_test::kNasty},
                           {"link", "https://example.invalid/issue/1"}}));
  // The link is data for a reader to follow, never something the page loads.
  EXPECT_EQ(count_of(html, "https://"), 1u);
  EXPECT_EQ(count_of(html, "</script>"), 2u);

  // Without an entry in the document, nothing is invented.
  json plain = embedded_data(html_of(reports_test::sample_results()));
  EXPECT_EQ(plain["rows"][2]["c"][2], json::array({2, 1}));
}

TEST(Html, ExpectationEntriesAndInvalidFilesComeFromTheParsedResults) {
  // Rendering from parsed Results (not only from JSON) carries the entry, every "also", and the invalid files.
  json data = reports::html_data(reports::parse_results(reports_test::sample_results_with_reasons()));
  const json& accepted = data["rows"][2]["c"][2];
  ASSERT_EQ(accepted.size(), 5u) << accepted.dump();
  EXPECT_EQ(accepted[4], json({{"reason", "vfork keeps the parent's session " + reports_test::kNasty},
                               {"link", "https://example.invalid/issue/1"},
                               {"file", "expectations/spawn_core.yaml"},
                               {"line", 12},
                               {"also", json::array({{{"reason", "second entry"},
                                                      {"link", "https://example.invalid/issue/2"},
                                                      {"file", "expectations/more.yaml"},
                                                      {"line", 3}}})}}));
  EXPECT_EQ(data["totals"]["outcome"], "fail");
  EXPECT_EQ(data["totals"]["failed"], 6);  // five cells and the invalid file
  EXPECT_EQ(data["totals"]["invalidFiles"], 1);
  ASSERT_EQ(data["totals"]["invalid"].size(), 2u);
  EXPECT_EQ(data["totals"]["invalid"][1]["message"], "unknown key 'colour'");
  // The page's script shows them in the banner.
  std::string html = html_of(reports_test::sample_results_with_reasons());
  EXPECT_NE(html.find("fdc-banner-invalid"), std::string::npos);
}

TEST(Html, InvalidScenarioFilesAloneFailTheBanner) {
  auto document = reports_test::sample_results_with_reasons();
  for (auto& cell : document["cells"])
    if (cell["verdict"] != "skip" && cell["verdict"] != "expected-differ") cell["verdict"] = "match";
  json data = reports::html_data(reports::parse_results(document));
  EXPECT_EQ(data["totals"]["outcome"], "fail");
  EXPECT_EQ(data["totals"]["failed"], 1);
}

TEST(Html, PageHasTheBannerAndAKeyboardGrid) {
  std::string html = html_of(reports_test::sample_results());
  EXPECT_NE(html.find("id=\"fdc-banner\""), std::string::npos);
  EXPECT_NE(html.find("role=\"grid\""), std::string::npos);
  // Rows are drawn by the script; it must give cells a tab stop and handle arrow keys and Enter.
  EXPECT_NE(html.find("tabindex"), std::string::npos);
  EXPECT_NE(html.find("ArrowDown"), std::string::npos);
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
