#include <gtest/gtest.h>

#include <map>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <sstream>

#include "reports/differ_listing.hpp"
#include "reports/progress.hpp"
#include "reports/results.hpp"
#include "reports/tally.hpp"
#include "sample_results.hpp"

namespace {

using reports::Verdict;

TEST(SummaryLine, CountsPassedFailedSkipped) {
  // match 4 + expected-differ 1 pass; differ 3 + unexpected-pass 1 + error 1 fail; 2 skips.
  EXPECT_EQ(reports::summary_line(reports_test::sample_results()), "fdconform: 5 passed, 5 failed, 2 skipped");
}

TEST(SummaryLine, NoApiCellsAreCountedApartAndOnlyWhenThereAreSome) {
  // The fifth row adds two matches and one no-api cell, which is neither passed, failed nor skipped.
  EXPECT_EQ(reports::summary_line(reports_test::sample_results_with_no_api()),
            "fdconform: 7 passed, 5 failed, 2 skipped, 1 no API");
  auto tally = reports::tally(reports::parse_results(reports_test::sample_results_with_no_api()));
  EXPECT_EQ(tally.without_api(), 1u);
  EXPECT_EQ(tally.total(), 15u);
  EXPECT_FALSE(reports::counts_as_passed(Verdict::no_api));
  EXPECT_FALSE(reports::counts_as_failed(Verdict::no_api));
  EXPECT_EQ(reports::verdict_name(Verdict::no_api), "no-api");
  EXPECT_EQ(reports::parse_verdict("no-api"), Verdict::no_api);
}

TEST(SummaryLine, CountsCellsNotTheStoredSummaryBlock) {
  auto document = reports_test::sample_results();
  document["summary"]["match"] = 999;  // a stale or hand-edited block must not change the line
  document["cells"][0]["verdict"] = "error";
  EXPECT_EQ(reports::summary_line(document), "fdconform: 4 passed, 6 failed, 2 skipped");
}

TEST(SummaryLine, RejectsSomethingThatIsNotAResultsDocument) {
  EXPECT_THROW(reports::summary_line(nlohmann::json{{"cells", nlohmann::json::array()}}), reports::ResultsError);
}

std::string listing_of(const nlohmann::json& document, bool colour = false) {
  std::ostringstream out;
  reports::write_differ_listing(reports::parse_results(document), out, reports::ListingStyle{colour});
  return out.str();
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(SummaryLine, CountsInvalidScenarioFilesAsFailures) {
  // Two problems in one file: one invalid file, one more failure.
  EXPECT_EQ(reports::summary_line(reports_test::sample_results_with_reasons()),
            "fdconform: 5 passed, 6 failed, 2 skipped (1 invalid scenario file)");
}

TEST(SummaryLine, AGreenRunSaysHowManyDifferencesWereAccepted) {
  auto document = reports_test::sample_results();
  for (auto& cell : document["cells"])
    if (cell["verdict"] != "skip" && cell["verdict"] != "expected-differ") cell["verdict"] = "match";
  EXPECT_EQ(reports::summary_line(document), "fdconform: 10 passed, 0 failed, 2 skipped, 1 expected difference accepted");
  // A failing run keeps the plain form: the failures are the news.
  EXPECT_EQ(reports::summary_line(reports_test::sample_results()), "fdconform: 5 passed, 5 failed, 2 skipped");
}

TEST(DifferListing, OneBlockPerFailingScenarioWithTheSameDifferenceOnOneLine) {
  std::string text = listing_of(reports_test::sample_results());
  // umask-kept fails the same way on two columns: one block, one group line, the field once.
  EXPECT_EQ(occurrences(text, "✗ FAIL  umask-kept"), 1u) << text;
  EXPECT_NE(text.find("✗ FAIL  umask-kept  scenarios/umask-kept.yaml:7\n"
                      "  differ on cpython-3.13.0 (reference), spawn_core-vfork:\n"
                      "      expect child.umask: expected: \"077\" / observed: \"022\"\n"
                      "  rerun: fdconform run scenarios/umask-kept.yaml --reference cpython-3.13.0 --impl "
                      "spawn_core-vfork\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(occurrences(text, "expect child.umask"), 1u) << text;
  EXPECT_EQ(occurrences(text, "✗ FAIL"), 3u) << text;  // nasty, session-setsid, umask-kept
}

TEST(DifferListing, ALineSomeColumnsShareIsPrintedOnceWithThoseColumns) {
  auto document = reports_test::sample_results();
  // umask-kept: both columns fail the expect block; the vfork column also differs from the reference.
  for (auto& cell : document["cells"])
    if (cell["scenario"] == "umask-kept" && cell["implementation"] == "spawn_core-vfork")
      cell["diff"] = nlohmann::json::array({{{"field", "child.session"}, {"expected", "parent"}, {"actual", "self"}}});
  std::string text = listing_of(document);
  EXPECT_NE(text.find("  differ on cpython-3.13.0 (reference), spawn_core-vfork:\n"
                      "      expect child.umask: expected: \"077\" / observed: \"022\"\n"
                      "      child.session: reference: \"parent\" / this column: \"self\"\n"
                      "          only on spawn_core-vfork\n"),
            std::string::npos)
      << text;
}

TEST(DifferListing, ReferenceDifferencesAndExpectFailuresAreWordedApart) {
  std::string text = listing_of(reports_test::sample_results());
  // A difference from the reference: each field once, the reason's summary of it not repeated.
  EXPECT_NE(text.find("  differ on spawn_core-vfork:\n"
                      "      child.fd.5: reference: \"p.read <rdonly>\" / this column: (absent)\n"
                      "      child.fds: reference: \"0,1,2,5\" / this column: \"0,1,2\"\n"
                      "  error on cpython-3.6.15:\n"
                      "      driver crashed: a<b&c\"d'e]]>f\\x01g\\x1fh</script><!--i\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("child.fd.5 differs"), std::string::npos) << text;
  EXPECT_EQ(text.find("expected-differ"), std::string::npos);  // passes are not listed
  EXPECT_EQ(text.find("skip"), std::string::npos);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
}

TEST(DifferListing, UnexpectedPassNamesTheEntryToRemove) {
  std::string text = listing_of(reports_test::sample_results_with_reasons());
  EXPECT_NE(text.find("  unexpected-pass on cpython-3.6.15:\n"
                      "      remove the entry at expectations/cpython-3.6.yaml:8: 3.6 kept the session "
                      "(https://example.invalid/issue/3)\n"),
            std::string::npos)
      << text;
}

TEST(DifferListing, ListsInvalidScenarioFiles) {
  std::string text = listing_of(reports_test::sample_results_with_reasons());
  EXPECT_NE(text.find("✗ INVALID  scenarios/broken.yaml  (scenario file not loaded)\n"
                      "      scenarios/broken.yaml:4:9: parent.umask: expected an octal string\n"
                      "      scenarios/broken.yaml:7:3: unknown key 'colour'\n"),
            std::string::npos)
      << text;
}

TEST(DifferListing, RerunBringsInEachColumnByItsOwnRunArgumentsAndQuotesPaths) {
  auto document = reports_test::sample_results();
  document["implementations"][0]["rerun"] = {"--oracle", "/opt/python 3.13/bin/python3"};
  document["implementations"][2]["rerun"] = {"--oracle", "/usr/bin/python3.6"};
  document["scenarios"][2]["file"] = "my scenarios/session-setsid.yaml";
  auto results = reports::parse_results(document);
  EXPECT_EQ(reports::rerun_command(results, results.scenarios[2], {"cpython-3.6.15"}),
            "fdconform run 'my scenarios/session-setsid.yaml' --oracle /usr/bin/python3.6 "
            "--oracle '/opt/python 3.13/bin/python3' --reference cpython-3.13.0 --impl cpython-3.6.15");
  // A column given by --driver is brought back by it; one every run has needs nothing.
  document["implementations"][2]["rerun"] = {"--driver", "node 20.json"};
  results = reports::parse_results(document);
  EXPECT_EQ(reports::rerun_command(results, results.scenarios[2], {"cpython-3.6.15"}),
            "fdconform run 'my scenarios/session-setsid.yaml' --driver 'node 20.json' "
            "--oracle '/opt/python 3.13/bin/python3' --reference cpython-3.13.0 --impl cpython-3.6.15");
  document["implementations"][2]["rerun"] = nlohmann::json::array();
  results = reports::parse_results(document);
  EXPECT_EQ(reports::rerun_command(results, results.scenarios[2], {"cpython-3.6.15"}),
            "fdconform run 'my scenarios/session-setsid.yaml' --oracle '/opt/python 3.13/bin/python3' "
            "--reference cpython-3.13.0 --impl cpython-3.6.15");
}

TEST(DifferListing, AMergedDocumentsColumnsAreRerunEachOnItsOwnHostUnderItsOwnId) {
  auto document = reports_test::sample_results();
  // As `fdconform merge` writes two machines: "<host>/<id>" columns with their host.
  std::map<std::string, std::string> merged_id;
  for (std::size_t i = 0; i < document["implementations"].size(); ++i) {
    auto& impl = document["implementations"][i];
    std::string host = i == 0 ? "host-a" : "host-b";
    merged_id[impl["id"]] = host + "/" + impl["id"].get<std::string>();
    impl["id"] = merged_id[impl["id"]];
    impl["host"] = host;
  }
  for (auto& cell : document["cells"]) cell["implementation"] = merged_id[cell["implementation"]];
  document["reference"] = merged_id[document["reference"]];
  std::string text = listing_of(document);
  EXPECT_NE(text.find("  rerun on host-a: fdconform run scenarios/umask-kept.yaml --reference cpython-3.13.0\n"
                      "  rerun on host-b: fdconform run scenarios/umask-kept.yaml --impl spawn_core-vfork\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("--impl host-"), std::string::npos) << text;
}

TEST(DifferListing, ColourOnlyWhenAsked) {
  std::string plain = listing_of(reports_test::sample_results(), false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  std::string coloured = listing_of(reports_test::sample_results(), true);
  EXPECT_NE(coloured.find("\x1b[1;31m✗ FAIL\x1b[0m"), std::string::npos) << coloured;
  // Colour is decoration only: without the escape sequences the text is the same.
  std::string stripped;
  for (std::size_t i = 0; i < coloured.size(); ++i) {
    if (coloured[i] == '\x1b') {
      while (i < coloured.size() && coloured[i] != 'm') ++i;
      continue;
    }
    stripped += coloured[i];
  }
  EXPECT_EQ(stripped, plain);
}

// colour_wanted(std::cout) in a child whose stdout is a pseudo-terminal, with NO_COLOR as given.
std::string colour_wanted_on_a_terminal(const char* no_color) {
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    if (no_color) ::setenv("NO_COLOR", no_color, 1);
    else ::unsetenv("NO_COLOR");
    const char* answer = reports::colour_wanted(std::cout) ? "colour" : "plain";
    ::write(STDOUT_FILENO, answer, std::strlen(answer));
    ::_exit(0);
  }
  std::string text;
  char buffer[64];
  ssize_t n;
  while ((n = ::read(master, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  ::close(master);
  ::waitpid(pid, nullptr, 0);
  return text;
}

TEST(DifferListing, ColourOnATerminalUnlessNoColor) {
  EXPECT_EQ(colour_wanted_on_a_terminal(nullptr), "colour");
  EXPECT_EQ(colour_wanted_on_a_terminal("1"), "plain");
  std::ostringstream not_a_terminal;
  EXPECT_FALSE(reports::colour_wanted(not_a_terminal));
}

struct FakeClock {
  double now = 0;
  reports::Progress::SecondsClock function() {
    return [this] { return now; };
  }
};

TEST(Progress, PlainLinesWhenNotATerminal) {
  std::ostringstream out;
  FakeClock clock;
  reports::Progress progress(out, 10, false, clock.function());
  for (int i = 0; i < 10; ++i) {
    clock.now = i + 0.5;
    progress.record("s" + std::to_string(i), "impl", i == 3 ? Verdict::differ : i == 7 ? Verdict::error : Verdict::match,
                    i == 7 ? "timed out\nafter 10 s" : "");
  }
  progress.finish();
  std::string text = out.str();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("fdconform: [4/10] differ s3 on impl\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fdconform: [8/10] error s7 on impl: timed out\\nafter 10 s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fdconform: [10/10] 9.5s  differ 1  error 1\n"), std::string::npos) << text;
  // One line per failing cell plus one per tenth of the run.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2 + 10);
  EXPECT_EQ(progress.counts().failed(), 2u);
  EXPECT_EQ(progress.done(), 10u);
}

TEST(Progress, OneRewrittenLineOnATerminal) {
  std::ostringstream out;
  FakeClock clock;
  reports::Progress progress(out, 3, true, clock.function(), false);
  progress.record("a", "cpython-3.13.0", Verdict::match);
  clock.now = 1.3;
  progress.record("b", "spawn_core-vfork", Verdict::differ);
  progress.record("c", "cpython-3.6.15", Verdict::error);
  std::string live = out.str();
  EXPECT_EQ(live.find('\n'), std::string::npos) << "a terminal line must be rewritten, not appended";
  EXPECT_EQ(std::count(live.begin(), live.end(), '\r'), 3);
  EXPECT_NE(live.rfind("\r[3/3] 1.3s  differ 1  error 1  c on cpython-3.6.15\x1b[K"), std::string::npos) << live;
  progress.finish();
  progress.finish();
  EXPECT_EQ(out.str(), live + "\n");
}

TEST(Progress, TerminalLineIsCutToFitEightyColumns) {
  std::ostringstream out;
  FakeClock clock;
  reports::Progress progress(out, 1, true, clock.function(), false);
  progress.record(std::string(200, 's'), "impl", Verdict::match);
  std::string text = out.str();
  ASSERT_GE(text.size(), 4u);
  EXPECT_EQ(text.size(), 1 + 79 + 3);  // '\r', the line, ESC [ K
}

TEST(Progress, FailureCountsInRedWhenColoured) {
  std::ostringstream out;
  FakeClock clock;
  reports::Progress progress(out, 2, true, clock.function(), true);
  progress.record("a", "impl", Verdict::match);
  EXPECT_NE(out.str().find("\r[1/2] 0.0s  differ 0  error 0  a on impl\x1b[K"), std::string::npos) << out.str();
  progress.record(std::string(200, 'b'), "impl", Verdict::differ);
  std::string text = out.str();
  EXPECT_NE(text.find("\r[2/2] 0.0s  \x1b[1;31mdiffer 1\x1b[0m  error 0  bbb"), std::string::npos) << text;
  // Still cut to 79 visible columns: the escape sequences take none.
  std::string last = text.substr(text.rfind('\r') + 1);
  EXPECT_EQ(last.size(), 79 + std::string("\x1b[1;31m\x1b[0m").size() + 3) << last;
}

TEST(Progress, StringStreamIsNotATerminal) {
  std::ostringstream out;
  EXPECT_FALSE(reports::is_terminal(out));
}

}  // namespace
