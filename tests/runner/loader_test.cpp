#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>

#include "scenario/loader.hpp"
#include "scenario/scenario_files.hpp"

namespace fdconform {
namespace {

const std::string good = std::string(RUNNER_TESTS_DIR) + "/good_scenarios/good-basic.yaml";

TEST(Loader, AcceptsAGoodScenario) {
  auto loaded = load_scenario_file(good);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();
  ASSERT_TRUE(loaded.scenario);
  const auto& s = *loaded.scenario;
  EXPECT_EQ(s.id, "good-basic");
  EXPECT_EQ(s.covers, (std::vector<std::string>{"X7", "C1"}));
  ASSERT_TRUE(s.requires_.python);
  EXPECT_TRUE(s.requires_.python->admits("3.11.7"));
  EXPECT_FALSE(s.requires_.python->admits("3.8.18"));
  EXPECT_EQ(s.timeout_seconds, 2.5);
}

TEST(Loader, DriverJsonKeepsStructureAndFillsDefaults) {
  auto loaded = load_scenario_file(good);
  ASSERT_TRUE(loaded.scenario);
  const auto& j = loaded.scenario->json;
  EXPECT_EQ(j["parent"]["umask"], "027");  // octal stays a string
  EXPECT_EQ(j["parent"]["env"]["set"]["FOO"], "bar");
  EXPECT_EQ(j["parent"]["signals"]["block"], nlohmann::json::array({"SIGRTMIN+2"}));
  EXPECT_EQ(j["parent"]["signals"]["catch"], nlohmann::json::array());
  const auto& log = j["parent"]["resources"][0];
  EXPECT_EQ(log, (nlohmann::json{{"name", "log"}, {"kind", "file"}, {"content", "hi\n"}, {"offset", 1},
                                 {"access", "rdwr"}, {"flags", nlohmann::json::array()}, {"path", "log"},
                                 {"fd", 7}, {"inheritable", true}, {"mode", nullptr}}));
  const auto& pipe = j["parent"]["resources"][1];
  EXPECT_EQ(pipe["read"]["fd"], 5);
  EXPECT_EQ(pipe["write"]["fd"], nullptr);
  EXPECT_EQ(pipe["write"]["inheritable"], nullptr);  // unstated: the flag os.pipe() gives, left alone
  const auto& popen = j["spawn"]["popen"];
  EXPECT_EQ(popen["pass_fds"], (nlohmann::json::array({"p.read", 9})));
  EXPECT_EQ(popen["stdout"], (nlohmann::json{{"resource", "log"}}));
  EXPECT_EQ(popen["stdin"], "inherit");
  EXPECT_EQ(popen["close_fds"], true);
  EXPECT_EQ(popen["restore_signals"], true);
  EXPECT_EQ(popen["umask"], "077");
  EXPECT_EQ(popen["pipesize"], -1);
  EXPECT_EQ(popen["argv"], nlohmann::json::array({"{probe}"}));
  EXPECT_EQ(j["expect"]["fds"]["1"], "log");
  EXPECT_EQ(j["requires"]["python"], ">=3.9,<3.14");
}

TEST(Loader, TooLargeFileIsRefusedWithoutReadingItAll) {
  std::string path = ::testing::TempDir() + "/huge-scenario.yaml";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::string line = "# padding padding padding padding padding padding padding padding padding padding\n";
    for (std::size_t written = 0; written < 10u * 1024 * 1024; written += line.size()) std::fputs(line.c_str(), f);
    std::fclose(f);
  }
  auto loaded = load_scenario_file(path);
  std::remove(path.c_str());
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].to_string(), path + ":1:1: file too large: a scenario must be at most 1048576 bytes");
  EXPECT_FALSE(loaded.scenario);
}

TEST(Loader, MissingFileIsADiagnosticNotAnException) {
  auto loaded = load_scenario_file("/nonexistent/dir/x.yaml");
  ASSERT_EQ(loaded.diagnostics.size(), 1u);
  EXPECT_EQ(loaded.diagnostics[0].to_string(), "/nonexistent/dir/x.yaml:1:1: cannot open file: No such file or directory");
}

TEST(Loader, SurvivesArbitraryBytes) {
  // Truncations of a valid scenario at every length: never a throw, always either a scenario or diagnostics.
  std::string text = "format: 1\nid: t\ntitle: x\ndescription: y\ncovers: [X1]\nsource: s\nspawn:\n  popen: {pass_fds: [3]}\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto loaded = load_scenario_text("t.yaml", text.substr(0, n), "t");
    EXPECT_TRUE(loaded.scenario.has_value() != !loaded.diagnostics.empty()) << n;
  }
}

// Runs `check` in a child that SIGALRM ends after `seconds`: a loader that blocks (on a FIFO, say)
// fails the test instead of hanging it. `check` returns whether its expectations held.
void expect_within(int seconds, const std::function<bool()>& check) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(seconds);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) << "blocked for " << seconds << " s";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wrong result (status " << status << ")";
}

std::string temp_dir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/fdconform-loader-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

const std::string minimal = "format: 1\nid: m\ntitle: x\ndescription: y\ncovers: [X1]\nsource: s\nspawn:\n  popen: {}\n";

TEST(Loader, FifoScenarioIsRefusedWithoutBlocking) {
  std::string dir = temp_dir("fifo");
  std::string fifo = dir + "/fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_within(5, [&] {
    auto loaded = load_scenario_file(fifo);
    return loaded.diagnostics.size() == 1 &&
           loaded.diagnostics[0].to_string() == fifo + ":1:1: a FIFO, expected a regular file";
  });
  std::filesystem::remove_all(dir);
}

TEST(Loader, DirectoryWalkNamesAFifoInsteadOfOpeningIt) {
  std::string dir = temp_dir("walk-fifo");
  write(dir + "/m.yaml", minimal);
  ASSERT_EQ(::mkfifo((dir + "/pipe.yaml").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir + "/other-fifo").c_str(), 0600), 0);  // not *.yaml: none of our business
  expect_within(5, [&] {
    auto found = find_scenario_files({dir});
    return found.files == std::vector<std::string>{dir + "/m.yaml"} &&
           found.errors == std::vector<std::string>{dir + "/pipe.yaml: a FIFO, expected a regular file"};
  });
  std::filesystem::remove_all(dir);
}

TEST(Loader, SymlinkToARegularScenarioIsFollowed) {
  std::string dir = temp_dir("symlink");
  write(dir + "/target.txt", minimal);
  std::filesystem::create_symlink(dir + "/target.txt", dir + "/m.yaml");
  auto found = find_scenario_files({dir});
  EXPECT_TRUE(found.errors.empty()) << ::testing::PrintToString(found.errors);
  ASSERT_EQ(found.files, std::vector<std::string>{dir + "/m.yaml"});
  auto loaded = load_scenario_file(found.files[0]);
  EXPECT_TRUE(loaded.scenario) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].to_string());
  std::filesystem::remove_all(dir);
}

TEST(Loader, YmlFilesAreNamedNeverSilentlySkipped) {
  std::string dir = temp_dir("yml");
  write(dir + "/a.yml", minimal);
  write(dir + "/b.yml", minimal);
  auto found = find_scenario_files({dir});
  EXPECT_TRUE(found.files.empty());
  EXPECT_EQ(found.errors, (std::vector<std::string>{
                              dir + "/a.yml: a .yml file: scenarios are named <id>.yaml; rename it to a.yaml",
                              dir + "/b.yml: a .yml file: scenarios are named <id>.yaml; rename it to b.yaml"}));
  auto given = find_scenario_files({dir + "/a.yml"});
  EXPECT_TRUE(given.files.empty());
  EXPECT_EQ(given.errors.size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(Loader, DirectoryWithoutScenariosIsAnError) {
  std::string dir = temp_dir("empty");
  write(dir + "/notes.txt", "not a scenario");
  auto found = find_scenario_files({dir});
  EXPECT_TRUE(found.files.empty());
  EXPECT_EQ(found.errors, std::vector<std::string>{dir + ": no scenario files (*.yaml) in this directory"});
  std::filesystem::remove_all(dir);
}

TEST(Loader, BomAndCrlfAreAcceptedAndErrorsStayLocated) {
  std::string crlf;
  for (char c : minimal) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  auto loaded = load_scenario_text("m.yaml", "\xef\xbb\xbf" + crlf, "m");
  EXPECT_TRUE(loaded.scenario) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].to_string());
  auto bad = load_scenario_text("m.yaml", crlf + "colour: blue\r\n", "m");
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].to_string().substr(0, 30), "m.yaml:9:1: unknown key 'colou");
}

// Strings as long as the 1 MiB file limit allows: bounded by length, checked without recursion.
TEST(Loader, NamesNearTheFileSizeLimitAreRefusedByLength) {
  const std::string huge(1000 * 1000, 'a');
  struct Case {
    std::string text, message;
  } cases[] = {
      {"format: 1\nid: " + huge + "\n", "m.yaml:2:5: id: 1000000 characters is too long: expected at most 100"},
      {"parent:\n  resources:\n    - {kind: memfd, name: " + huge + "}\n",
       "m.yaml:3:27: parent.resources[0].name: 1000000 characters is too long: expected at most 64"},
      {"expect:\n  exception: " + huge + "\n", "m.yaml:2:14: expect.exception: 1000000 characters is too long"},
      {"expect:\n  errno: E" + std::string(1000 * 1000, 'A') + "\n",
       "m.yaml:2:10: expect.errno: 1000001 characters is too long: expected at most 32"},
  };
  for (const auto& c : cases) {
    auto loaded = load_scenario_text("m.yaml", c.text, "m");
    bool found = false;
    for (const auto& d : loaded.diagnostics) found |= d.to_string().rfind(c.message, 0) == 0;
    EXPECT_TRUE(found) << c.message;
    for (const auto& d : loaded.diagnostics) EXPECT_LT(d.message.size(), 600u) << d.message.substr(0, 200);
  }
}

TEST(Loader, ManyEntriesValidateQuickly) {
  // What a 1 MiB file can hold: tens of thousands of env keys, resources or file actions.
  std::string env = minimal + "parent:\n  env:\n    set:\n";
  for (int i = 0; i < 30000; ++i) env += "      K" + std::to_string(i) + ": v\n";
  std::string actions = minimal.substr(0, minimal.find("spawn:")) + "spawn:\n  posix_spawn:\n    file_actions:\n";
  for (int i = 0; i < 10000; ++i) actions += "      - {close: " + std::to_string(3 + i % 1000) + "}\n";
  std::string resources = minimal + "parent:\n  resources:\n";
  for (int i = 0; i < 5000; ++i) resources += "    - {name: r" + std::to_string(i) + ", kind: memfd}\n";
  for (const auto* text : {&env, &actions, &resources}) {
    auto start = std::chrono::steady_clock::now();
    auto loaded = load_scenario_text("m.yaml", *text, "m");
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::seconds(10)) << text->substr(minimal.size(), 60);
    EXPECT_TRUE(loaded.scenario.has_value() != !loaded.diagnostics.empty());
  }
}

TEST(Loader, OneFileReportsAtMostAHundredErrors) {
  std::string text = minimal;
  for (int i = 0; i < 1000; ++i) text += "x" + std::to_string(i) + ": 1\n";
  auto loaded = load_scenario_text("m.yaml", text, "m");
  ASSERT_EQ(loaded.diagnostics.size(), 101u);
  EXPECT_EQ(loaded.diagnostics[99].to_string().substr(0, 27), "m.yaml:108:1: unknown key '");
  EXPECT_EQ(loaded.diagnostics[100].to_string(), "m.yaml:109:1: 900 more errors in this file not shown");
}

}  // namespace
}  // namespace fdconform
