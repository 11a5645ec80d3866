// The pieces that keep a run's results and its host intact when the host is hostile: text that is not
// UTF-8, outputs that cannot be written or are written by two runs at once, a file size limit, closed
// standard fds, processes left in the run directory, expectation entries no cell used.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "report/outputs.hpp"
#include "run/cleanup_watcher.hpp"
#include "run/standard_fds.hpp"
#include "run/unmatched_expectations.hpp"
#include "run/utf8_text.hpp"

namespace fdconform {
namespace {

std::string fresh_dir(const std::string& stem) {
  std::string dir = ::testing::TempDir() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                    "-" + stem;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return std::filesystem::canonical(dir).string();  // as the runner's own run directory is
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int exit_status_of_child(const std::function<int()>& body) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(body());
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Utf8Text, KeepsTextAndMapsOtherBytesAsTheProbeDoes) {
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("caf\xe9"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // an encoded surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(valid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(valid_utf8("caf\xe9"), "caf\u00e9");
  EXPECT_EQ(valid_utf8("\xff\x80"), "\u00ff\u0080");
  EXPECT_EQ(valid_utf8("a\xe2\x82"), "a\u00e2\u0082");  // a truncated sequence: each byte on its own
  EXPECT_TRUE(is_valid_utf8(valid_utf8("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80")));
}

TEST(Utf8Text, RepairsStringsAndKeysAtAnyDepthAndDumpNeverThrows) {
  nlohmann::json value = {{"a\xff", {{"list", {"ok", "b\xfe"}}}}, {"plain", 1}};
  EXPECT_THROW((void)value.dump(), nlohmann::json::type_error);
  std::string text;
  ASSERT_NO_THROW(text = dump_json(value));
  auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["a\u00ff"]["list"][1], "b\u00fe");
  make_valid_utf8(value);
  EXPECT_NO_THROW((void)value.dump());
  EXPECT_EQ(value, back);
}

TEST(Outputs, WritesWholeFilesAndReportsWhatItWrote) {
  std::string dir = fresh_dir("out");
  nlohmann::json document = {{"fdconform_results", 1}, {"text", "x\xff"}};
  auto written = write_outputs(document, {dir + "/results.json", "", ""});
  ASSERT_TRUE(written.errors.empty()) << written.errors.front();
  ASSERT_EQ(written.written, std::vector<std::string>{dir + "/results.json"});
  EXPECT_EQ(nlohmann::json::parse(read_all(dir + "/results.json"))["text"], "x\u00ff");
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename(), "results.json") << "a temporary file was left behind";
}

// A full disk (here: a file size limit, which fails the same write) must leave the previous results.
TEST(Outputs, AFailedWriteKeepsThePreviousFileAndSaysWhy) {
  std::string dir = fresh_dir("out");
  std::string path = dir + "/results.json";
  std::ofstream(path) << "{\"previous\": true}\n";
  int status = exit_status_of_child([&] {
    std::signal(SIGXFSZ, SIG_IGN);  // as the runner does: EFBIG instead of death
    rlimit limit{100, 100};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::string error = write_file_atomically(path, std::string(4096, 'x'));
    if (error.find("File too large") == std::string::npos || error.find("EFBIG") == std::string::npos) return 1;
    if (error.find("the previous file is left as it was") == std::string::npos) return 2;
    return 0;
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(read_all(path), "{\"previous\": true}\n");
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename(), "results.json") << "a temporary file was left behind";
}

TEST(Outputs, PrepareRefusesAnOutThatIsAFileNamingPathAndErrno) {
  std::string dir = fresh_dir("out");
  std::string file = dir + "/not-a-dir";
  std::ofstream(file) << "x";
  OutputTargets targets;
  auto problems = targets.prepare(files_in_directory(file), file);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(file), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("ENOTDIR"), std::string::npos) << problems[0];
}

TEST(Outputs, PrepareRefusesAPathThatIsADirectory) {
  std::string dir = fresh_dir("out");
  OutputTargets targets;
  auto problems = targets.prepare({dir, "", ""}, "");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("EISDIR"), std::string::npos) << problems[0];
}

TEST(Outputs, ASecondRunOnTheSameOutIsRefusedWhileTheFirstHoldsIt) {
  std::string dir = fresh_dir("out");
  auto first = std::make_unique<OutputTargets>();
  ASSERT_TRUE(first->prepare(files_in_directory(dir), dir).empty());
  // flock conflicts between open file descriptions, so a second holder in this process stands for a
  // second run.
  OutputTargets second;
  auto problems = second.prepare(files_in_directory(dir), dir);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("another fdconform run (pid " + std::to_string(::getpid()) + ","), std::string::npos)
      << problems[0];
  first.reset();
  OutputTargets third;
  EXPECT_TRUE(third.prepare(files_in_directory(dir), dir).empty()) << "the lock outlived its holder";
}

TEST(StandardFds, ClosedOnesAreReopenedOnDevNull) {
  int status = exit_status_of_child([] {
    ::close(0);
    ::close(1);
    if (!reserve_standard_fds()) return 1;
    int fds[2];
    if (::pipe(fds) != 0 || fds[0] < 3) return 2;  // a new fd no longer lands on 0 or 1
    struct stat st {};
    if (::fstat(1, &st) != 0 || !S_ISCHR(st.st_mode)) return 3;
    return ::write(1, "x", 1) == 1 ? 0 : 4;
  });
  EXPECT_EQ(status, 0);
}

TEST(CleanupWatcher, KillsWhatLivesInTheRunDirectory) {
  std::string dir = fresh_dir("run");
  std::string cell = dir + "/cell-0";
  std::filesystem::create_directories(cell);
  pid_t by_cwd = ::fork();
  if (by_cwd == 0) {
    if (::chdir(cell.c_str()) != 0) ::_exit(1);
    ::execl("/bin/sleep", "sleep", "30", nullptr);
    ::_exit(127);
  }
  pid_t by_argv = ::fork();  // elsewhere, but its argv names a file of the run (as a probe's --report= does)
  if (by_argv == 0) {
    if (::chdir("/") != 0) ::_exit(1);
    std::string report = "--report=" + cell + "/probe.json";
    ::execl("/usr/bin/python3", "python3", "-c", "import time; time.sleep(30)", report.c_str(), nullptr);
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both exec'd
  EXPECT_GE(kill_processes_inside(dir, 2000), 2);
  for (pid_t pid : {by_cwd, by_argv}) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << pid;
  }
  EXPECT_EQ(kill_processes_inside(dir, 100), 0);
}

Scenario scenario_named(const std::string& id) {
  Scenario s;
  s.id = id;
  return s;
}

Column column_named(const std::string& id) {
  Column c;
  c.descriptor.id = id;
  c.available = true;
  c.hello.version = "1.0";
  return c;
}

TEST(UnmatchedExpectations, ReportsEntriesNoCellUsedAndOnlyThose) {
  auto set = load_expectation_text("x.yaml", R"(applies_to:
  implementation: "b"
entries:
  - scenario: used
    fields: {child.umask: "077"}
    reason: used by b
    link: "https://example.org/1"
  - scenario: gone
    fields: {child.umask: "077"}
    reason: no such scenario
    link: "https://example.org/2"
  - scenario: skipped
    fields: {child.umask: "077"}
    reason: its cell on b was skipped
    link: "https://example.org/3"
)");
  ASSERT_TRUE(set.diagnostics.empty()) << set.diagnostics.front().to_string();
  ASSERT_EQ(set.files.size(), 1u) << "the expectation text loaded as no file";
  set.files.front().path = "x.yaml";
  auto other = load_expectation_text("y.yaml", R"(applies_to:
  implementation: "not-in-this-run"
entries:
  - scenario: gone
    fields: {child.umask: "077"}
    reason: applies to no column here
    link: "https://example.org/4"
)");
  ASSERT_EQ(other.files.size(), 1u) << "the second expectation text loaded as no file";
  set.files.push_back(other.files.front());
  std::vector<Scenario> scenarios = {scenario_named("used"), scenario_named("skipped")};
  std::vector<Column> columns = {column_named("a"), column_named("b")};
  std::vector<JudgedCell> cells(4);
  for (std::size_t i = 0; i < 4; ++i) {
    cells[i].scenario = i / 2;
    cells[i].column = i % 2;
    cells[i].observation.status = CellObservation::Status::ran;
  }
  cells[3].observation.status = CellObservation::Status::skip;  // "skipped" on b
  auto check = unmatched_expectations(set, scenarios, columns, 0, cells);
  EXPECT_FALSE(check.other_corpus);
  ASSERT_EQ(check.entries.size(), 2u);
  EXPECT_EQ(check.entries[0].scenario, "gone");
  EXPECT_EQ(check.entries[0].file, "x.yaml");
  EXPECT_EQ(check.entries[0].line, 8);
  EXPECT_NE(check.entries[0].why.find("not in this run's corpus"), std::string::npos);
  EXPECT_EQ(check.entries[1].scenario, "skipped");
  EXPECT_NE(check.entries[1].why.find("(b)"), std::string::npos) << check.entries[1].why;

  std::vector<Scenario> elsewhere = {scenario_named("selftest-only")};
  std::vector<JudgedCell> none;
  EXPECT_TRUE(unmatched_expectations(set, elsewhere, columns, 0, none).other_corpus);
}

}  // namespace
}  // namespace fdconform
