// The runner against hostile input and a hostile host, unit by unit: bytes that are not UTF-8 in
// everything that reaches results.json, a reference column that errored, a probe tree that daemonises,
// a runner that dies. These use only interfaces that predate the fixes, so the same file, built against
// the code before them, shows each failure (see docs/RELIABILITY.md).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "run/judged_cell.hpp"
#include "run/orphan_reaper.hpp"
#include "report/results_document.hpp"
#include "session/child_process.hpp"

namespace fdconform {
namespace {

CellObservation ran(Observation o) {
  CellObservation c;
  c.status = CellObservation::Status::ran;
  c.observation = std::move(o);
  c.parent_state = {{"parent.umask", "022"}};
  return c;
}

CellObservation errored(const std::string& why) {
  CellObservation c;
  c.status = CellObservation::Status::error;
  c.reason = why;
  return c;
}

JudgedCell cell(std::size_t column, CellObservation observation) {
  JudgedCell c;
  c.column = column;
  c.observation = std::move(observation);
  return c;
}

// Column 0 is the reference, and it errored: nothing in the row can be compared.
TEST(HostileInput, ReferenceErrorMakesTheRowAnErrorNotAMatch) {
  JudgedCell reference = cell(0, errored("driver crashed"));
  JudgedCell other = cell(1, ran({{"outcome", "exited 0"}}));
  std::vector<JudgedCell*> row = {&reference, &other};
  judge_row(row, 0, "ref", nlohmann::json::object());
  EXPECT_EQ(other.judgement.verdict, Verdict::error) << other.judgement.reason;
  EXPECT_NE(other.judgement.reason.find("not compared"), std::string::npos) << other.judgement.reason;
  EXPECT_NE(other.judgement.reason.find("driver crashed"), std::string::npos) << other.judgement.reason;
}

TEST(HostileInput, ReferenceErrorWithAnExpectationFileEntryIsNoUnexpectedPass) {
  JudgedCell reference = cell(0, errored("timed out"));
  JudgedCell other = cell(1, ran({{"outcome", "exited 0"}, {"child.umask", "077"}}));
  std::vector<JudgedCell*> row = {&reference, &other};
  std::vector<KnownDifferences> known = {std::nullopt, DifferenceSignature{{"child.umask", "077"}}};
  judge_row(row, 0, "ref", nlohmann::json::object(), known);
  EXPECT_EQ(other.judgement.verdict, Verdict::error) << other.judgement.reason;
}

TEST(HostileInput, AFailedExpectKeepsItsOwnReasonWithoutAReference) {
  JudgedCell reference = cell(0, errored("driver crashed"));
  JudgedCell other = cell(1, ran({{"outcome", "exited 1"}}));
  std::vector<JudgedCell*> row = {&reference, &other};
  judge_row(row, 0, "ref", {{"outcome", "exited"}, {"returncode", 0}});
  EXPECT_EQ(other.judgement.verdict, Verdict::differ);
  EXPECT_NE(other.judgement.reason.find("expect outcome: expected 'exited 0', got 'exited 1'"), std::string::npos)
      << other.judgement.reason;
  ASSERT_EQ(other.judgement.expectation_failures.size(), 1u);
}

TEST(HostileInput, SkippedReferenceJudgesByTheExpectBlockAndNeverClaimsAnUnexpectedPass) {
  CellObservation skipped;
  skipped.status = CellObservation::Status::skip;
  skipped.reason = "needs Python >=3.12";
  JudgedCell reference = cell(0, skipped);
  JudgedCell other = cell(1, ran({{"outcome", "exited 0"}}));
  std::vector<JudgedCell*> row = {&reference, &other};
  std::vector<KnownDifferences> known = {std::nullopt, DifferenceSignature{{"child.umask", "077"}}};
  judge_row(row, 0, "ref", {{"outcome", "exited"}}, known);
  EXPECT_EQ(other.judgement.verdict, Verdict::match) << other.judgement.reason;
  EXPECT_NE(other.judgement.reason.find("not compared"), std::string::npos);
}

// Directory names, TMPDIR, interpreter paths, driver stderr: bytes, not text. One of them used to make
// dump() throw type_error 316 and abort the run with every report lost.
TEST(HostileInput, ResultsDocumentWithInvalidUtf8DumpsAsValidJson) {
  Scenario scenario;
  scenario.id = "s";
  scenario.file = "/tmp/caf\xe9/s.yaml";  // Latin-1, not UTF-8
  scenario.title = "t";
  std::vector<Scenario> scenarios = {scenario};
  Column column;
  column.descriptor = {"impl", {"/opt/py\xff/python3"}, nlohmann::json::object()};
  column.available = true;
  column.hello.version = "1\xc3";  // a truncated sequence
  std::vector<Column> columns = {column};
  RunRecord record;
  record.scenarios = &scenarios;
  record.columns = &columns;
  JudgedCell judged = cell(0, errored("driver impl exited with status 1; stderr: \xff\xfe boom"));
  judged.judgement.verdict = Verdict::error;
  judged.judgement.reason = judged.observation.reason;
  record.cells = {judged};
  record.environment = {{"host", "h\x80st"}};
  std::string text;
  ASSERT_NO_THROW(text = results_document(record).dump(1));
  auto back = nlohmann::json::parse(text);
  // The probe's rule (docs/PROBE.md): a byte that is not UTF-8 is the code point of the same value.
  EXPECT_EQ(back["scenarios"][0]["file"], "/tmp/caf\u00e9/s.yaml");
  EXPECT_EQ(back["implementations"][0]["argv"][0], "/opt/py\u00ff/python3");
  EXPECT_EQ(back["cells"][0]["reason"], "driver impl exited with status 1; stderr: \u00ff\u00fe boom");
  EXPECT_EQ(back["environment"]["host"], "h\u0080st");
  EXPECT_EQ(back["implementations"][0]["version"], "1\u00c3");
}

// Runs `body` in a child process that may hang; fails (and kills it) after `limit`.
void in_child_within(std::chrono::seconds limit, const std::function<int()>& body, const char* what) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(body());
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(child, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    FAIL() << what << ": still running after " << limit.count() << " s";
  }
  ASSERT_TRUE(WIFEXITED(status)) << what;
  EXPECT_EQ(WEXITSTATUS(status), 0) << what;
}

// A daemon that starts a daemon: the subreaper receives the second only once the first is killed, so one
// kill-then-wait pass blocks forever in waitpid. The reaper must keep killing and come back.
TEST(HostileInput, OrphanReaperEndsADaemonisedTreeWithoutBlocking) {
  in_child_within(
      std::chrono::seconds(20),
      [] {
        OrphanReaper reaper;
        int ready[2];
        if (::pipe(ready) != 0) return 10;
        pid_t first = ::fork();
        if (first == 0) {
          ::setsid();
          pid_t second = ::fork();
          if (second == 0) {
            ::setsid();
            ::signal(SIGHUP, SIG_IGN);
            [[maybe_unused]] auto n = ::write(ready[1], "x", 1);
            ::execl("/bin/sleep", "sleep", "60", nullptr);
            ::_exit(127);
          }
          ::execl("/bin/sleep", "sleep", "60", nullptr);
          ::_exit(127);
        }
        char byte;
        if (::read(ready[0], &byte, 1) != 1) return 11;
        OrphanReaper::kill_and_reap_children();
        return ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD ? 0 : 12;
      },
      "kill_and_reap_children with a two-level daemon tree");
}

// A process that starts a driver and dies (as a runner killed by SIGKILL does) must take the driver along.
TEST(HostileInput, ADriverDiesWithTheProcessThatStartedIt) {
  int pid_pipe[2];
  ASSERT_EQ(::pipe(pid_pipe), 0);
  pid_t runner = ::fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    std::string error;
    auto child = spawn_with_pipes({"/bin/sleep", "30"}, error);
    pid_t pid = child ? child->pid : -1;
    [[maybe_unused]] auto n = ::write(pid_pipe[1], &pid, sizeof pid);
    ::_exit(0);  // no cleanup: the way SIGKILL leaves it
  }
  ::close(pid_pipe[1]);
  pid_t driver = -1;
  ASSERT_EQ(::read(pid_pipe[0], &driver, sizeof driver), static_cast<ssize_t>(sizeof driver));
  ::close(pid_pipe[0]);
  ::waitpid(runner, nullptr, 0);
  ASSERT_GT(driver, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(driver) + "/stat");
    std::string line;
    gone = !std::getline(stat, line) || line.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!gone) ::kill(driver, SIGKILL);
  EXPECT_TRUE(gone) << "the driver (pid " << driver << ") outlived the process that started it by 2 s";
}

}  // namespace
}  // namespace fdconform
