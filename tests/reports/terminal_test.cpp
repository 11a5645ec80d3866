#include <gtest/gtest.h>

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

TEST(SummaryLine, CountsCellsNotTheStoredSummaryBlock) {
  auto document = reports_test::sample_results();
  document["summary"]["match"] = 999;  // a stale or hand-edited block must not change the line
  document["cells"][0]["verdict"] = "error";
  EXPECT_EQ(reports::summary_line(document), "fdconform: 4 passed, 6 failed, 2 skipped");
}

TEST(SummaryLine, RejectsSomethingThatIsNotAResultsDocument) {
  EXPECT_THROW(reports::summary_line(nlohmann::json{{"cells", nlohmann::json::array()}}), reports::ResultsError);
}

TEST(DifferListing, ListsEveryFailingCellWithBothValues) {
  std::ostringstream out;
  reports::write_differ_listing(reports_test::sample_results(), out);
  std::string text = out.str();
  EXPECT_NE(text.find("differ  nasty-a<b&c\"d'e]]>f\\x01g\\x1fh</script><!--i  spawn_core-vfork\n"
                      "    child.fd.5 differs\n"
                      "    child.fd.5: expected \"p.read <rdonly>\", actual (absent)\n"
                      "    child.fds: expected \"0,1,2,5\", actual \"0,1,2\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("differ  umask-kept  cpython-3.13.0\n    expectation failed\n"
                      "    expect child.umask: expected \"077\", actual \"022\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("unexpected-pass  session-setsid  cpython-3.6.15\n"), std::string::npos);
  EXPECT_NE(text.find("error  nasty-"), std::string::npos);
  EXPECT_EQ(text.find("expected-differ"), std::string::npos);  // passes are not listed
  EXPECT_EQ(text.find("skip"), std::string::npos);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
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
  reports::Progress progress(out, 3, true, clock.function());
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
  reports::Progress progress(out, 1, true, clock.function());
  progress.record(std::string(200, 's'), "impl", Verdict::match);
  std::string text = out.str();
  ASSERT_GE(text.size(), 4u);
  EXPECT_EQ(text.size(), 1 + 79 + 3);  // '\r', the line, ESC [ K
}

TEST(Progress, StringStreamIsNotATerminal) {
  std::ostringstream out;
  EXPECT_FALSE(reports::is_terminal(out));
}

}  // namespace
