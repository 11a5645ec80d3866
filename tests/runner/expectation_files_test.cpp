// Expectation files: strict loading with located errors, applicability, stale entries, rendering.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "expectations/condition_overlap.hpp"
#include "expectations/expectation_files.hpp"
#include "expectations/update_expectations.hpp"

namespace fdconform {
namespace {

constexpr const char* good = R"(applies_to:
  implementation: "cpython-*"
  version: ">=3.6,<3.8"
  reference: "cpython-3.13*"
entries:
  - scenario: errors-pass-fds-not-open-with-cwd
    fields:
      outcome.filename: "sub"
      child.fds: null
    reason: "3.6 to 3.12 attach cwd"
    link: "https://example.invalid/104522"
)";

std::vector<std::string> messages(const ExpectationSet& set) {
  std::vector<std::string> out;
  for (const auto& d : set.diagnostics) out.push_back(d.to_string());
  return out;
}

TEST(ExpectationFiles, GoodFileLoadsWithNullMeaningAbsent) {
  auto set = load_expectation_text("e.yaml", good);
  ASSERT_TRUE(set.diagnostics.empty()) << ::testing::PrintToString(messages(set));
  auto signature = set.lookup("errors-pass-fds-not-open-with-cwd", "cpython-3.7.16", "3.7.16", "cpython-3.13.0");
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(signature->fields.at("outcome.filename"), std::optional<std::string>("sub"));
  EXPECT_EQ(signature->fields.at("child.fds"), std::nullopt);
}

TEST(ExpectationFiles, LookupNamesTheEntryWithItsReasonLinkFileAndLine) {
  auto set = load_expectation_text("expectations/e.yaml", good);
  auto found = set.lookup("errors-pass-fds-not-open-with-cwd", "cpython-3.7.16", "3.7.16", "cpython-3.13.0");
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->sources.size(), 1u);
  EXPECT_EQ(found->sources[0], (ExpectationSource{"expectations/e.yaml", 6, "3.6 to 3.12 attach cwd",
                                                  "https://example.invalid/104522"}));
}

TEST(ExpectationFiles, LookupKeepsEveryApplicableEntryInFileOrder) {
  // Two files that both apply to one cell, each with an entry for the scenario (different fields).
  ExpectationSet set;
  for (const auto& [name, field] : {std::pair{"a.yaml", "child.umask"}, std::pair{"b.yaml", "child.session"}}) {
    auto loaded = load_expectation_text(name, fmt::format(R"(applies_to:
  implementation: "spawn_core-*"
entries:
  - scenario: s
    fields:
      {}: "x"
    reason: "because of {}"
    link: "https://example.invalid/{}"
)",
                                                          field, name, name));
    ASSERT_TRUE(loaded.diagnostics.empty()) << messages(loaded)[0];
    ASSERT_EQ(loaded.files.size(), 1u) << "the expectation text for " << field << " loaded no file";
    set.files.push_back(loaded.files[0]);
  }
  auto found = set.lookup("s", "spawn_core-fork", "0.1.0", "cpython-3.13.0");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->fields.size(), 2u);
  ASSERT_EQ(found->sources.size(), 2u);
  EXPECT_EQ(found->sources[0].file, "a.yaml");
  EXPECT_EQ(found->sources[1].reason, "because of b.yaml");
  EXPECT_EQ(found->sources[1].line, 4);
}

TEST(ExpectationFiles, ConditionsDecideWhichCellsAnEntryCovers) {
  auto set = load_expectation_text("e.yaml", good);
  const std::string id = "errors-pass-fds-not-open-with-cwd";
  EXPECT_FALSE(set.lookup(id, "cpython-3.8.18", "3.8.18", "cpython-3.13.0"));   // version outside the gate
  EXPECT_FALSE(set.lookup(id, "spawn_core-auto", "0.1.0", "cpython-3.13.0"));  // implementation glob
  EXPECT_FALSE(set.lookup(id, "cpython-3.6.15", "3.6.15", "cpython-3.11.2"));  // another reference
  EXPECT_FALSE(set.lookup("another-scenario", "cpython-3.6.15", "3.6.15", "cpython-3.13.0"));
}

TEST(ExpectationFiles, EveryProblemIsReportedWithItsLine) {
  auto set = load_expectation_text("bad.yaml", R"(applies_to:
  implementation: "cpython-*"
  version: "3.9 or so"
  colour: blue
entries:
  - scenario: a
    fields: {}
    reason: "why"
    link: "l"
  - scenario: b
    fields:
      child.umask: "077"
  - scenario: a
    fields:
      outcome: "exited 0"
    reason: "r"
    link: "l"
)");
  auto got = messages(set);
  ASSERT_EQ(got.size(), 6u) << ::testing::PrintToString(got);
  EXPECT_NE(got[0].find("bad.yaml:3:"), std::string::npos) << got[0];  // the version gate
  EXPECT_NE(got[1].find("bad.yaml:4:3: unknown key 'colour'"), std::string::npos) << got[1];
  EXPECT_NE(got[2].find("bad.yaml:7:"), std::string::npos) << got[2];  // empty fields
  EXPECT_NE(got[3].find("bad.yaml:10:"), std::string::npos) << got[3];  // reason and link missing
  EXPECT_NE(got[3].find("missing required key 'reason'"), std::string::npos) << got[3];
  EXPECT_NE(got[4].find("missing required key 'link'"), std::string::npos) << got[4];
  EXPECT_NE(got[5].find("bad.yaml:13:5: entries[2]: scenario 'a' already has an entry"), std::string::npos) << got[5];
}

TEST(ExpectationFiles, DuplicateScenarioInOneFileIsAnError) {
  std::string text = std::string(good) + R"(  - scenario: errors-pass-fds-not-open-with-cwd
    fields:
      outcome: "exited 0"
    reason: "again"
    link: "l"
)";
  auto got = messages(load_expectation_text("dup.yaml", text));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("dup.yaml:12:5:"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("already has an entry"), std::string::npos) << got[0];
}

TEST(ExpectationFiles, SyntaxErrorsAreLocated) {
  auto got = messages(load_expectation_text("syntax.yaml", "applies_to: [unclosed\n"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("syntax.yaml:"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("not valid YAML"), std::string::npos) << got[0];
}

TEST(ExpectationFiles, StaleEntriesNameTheirLine) {
  auto set = load_expectation_text("e.yaml", good);
  EXPECT_TRUE(set.stale_entries({"errors-pass-fds-not-open-with-cwd"}).empty());
  auto stale = set.stale_entries({"something-else"});
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].line, 6);
  EXPECT_NE(stale[0].message.find("not in the corpus"), std::string::npos);
}

TEST(ExpectationFiles, RenderedFileLoadsBackToTheSameEntries) {
  auto set = load_expectation_text("e.yaml", good);
  ASSERT_EQ(set.files.size(), 1u) << ::testing::PrintToString(messages(set));
  ASSERT_EQ(set.files[0].entries.size(), 1u) << "the good file loaded without its entry";
  auto again = load_expectation_text("again.yaml", render_expectation_file(set.files[0]));
  ASSERT_TRUE(again.diagnostics.empty()) << ::testing::PrintToString(messages(again));
  ASSERT_EQ(again.files.size(), 1u) << "the rendered file loaded back as no file";
  ASSERT_EQ(again.files[0].entries.size(), 1u);
  EXPECT_EQ(again.files[0].entries[0].fields, set.files[0].entries[0].fields);
  EXPECT_EQ(again.files[0].entries[0].reason, set.files[0].entries[0].reason);
  ASSERT_TRUE(again.files[0].applies_to.version) << "the rendered file lost its version gate";
  EXPECT_EQ(again.files[0].applies_to.version->text, ">=3.6,<3.8");
}

std::string temp_dir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/fdconform-expect-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string file_with(const std::string& applies_to, const std::string& value) {
  return "applies_to:\n" + applies_to + "entries:\n  - scenario: s\n    fields:\n      outcome: \"" + value +
         "\"\n    reason: \"r\"\n    link: \"l\"\n";
}

TEST(ExpectationFiles, InvalidUtf8IsLocatedNotCarriedIntoResults) {
  // Each value ends up in results.json; nlohmann's dump() aborts the run on invalid UTF-8.
  std::string text = good;
  text.replace(text.find("3.6 to 3.12"), 1, "\xff");
  auto got = messages(load_expectation_text("utf8.yaml", text));
  ASSERT_EQ(got.size(), 1u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "utf8.yaml:10:14: invalid UTF-8 (byte 0xff); expected UTF-8 YAML text");
}

TEST(ExpectationFiles, SecondDocumentIsAnErrorAtItsLine) {
  auto got = messages(load_expectation_text("two.yaml", std::string(good) + "---\napplies_to: {implementation: x}\n"));
  ASSERT_EQ(got.size(), 1u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0].substr(0, 63), "two.yaml:12:1: a second YAML document starts here: an expectati");
}

TEST(ExpectationFiles, TabsAndCrOnlyLineEndingsGetAHint) {
  std::string tabbed = good;
  tabbed.replace(tabbed.find("  version"), 2, "\t");
  EXPECT_EQ(messages(load_expectation_text("t.yaml", tabbed)),
            std::vector<std::string>{"t.yaml:3:1: tab at line 3 col 1: YAML indents with spaces"});
  std::string cr = good;
  for (auto& c : cr)
    if (c == '\n') c = '\r';
  EXPECT_EQ(messages(load_expectation_text("cr.yaml", cr)),
            std::vector<std::string>{"cr.yaml:1:12: CR-only line endings: expected LF or CRLF"});
}

TEST(ExpectationFiles, AliasesThatExpandPastTheLimitAreRefusedAtTheAlias) {
  std::string text = "applies_to: {implementation: x}\nentries:\n  - scenario: s\n    reason: &r \"" +
                     std::string(100000, 'x') + "\"\n    link: l\n    fields:\n";
  for (int i = 0; i < 200; ++i) text += "      f" + std::to_string(i) + ": *r\n";
  auto got = messages(load_expectation_text("bomb.yaml", text));
  ASSERT_EQ(got.size(), 1u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0].substr(0, 60), "bomb.yaml:173:13: this alias expands the file past its limit");
}

TEST(ExpectationFiles, ScenarioAndFieldNamesHaveTheirShapes) {
  auto got = messages(load_expectation_text("names.yaml", R"(applies_to: {implementation: x}
entries:
  - scenario: Not An Id
    fields: {"child.fd.0": "a", "a: b": "c"}
    reason: r
    link: l
)"));
  ASSERT_EQ(got.size(), 2u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "names.yaml:3:15: entries[0].scenario: expected a scenario id ([a-z0-9][a-z0-9-]*), got 'Not An Id'");
  EXPECT_NE(got[1].find("names.yaml:4:33: entries[0].fields: expected a normalized field name"), std::string::npos)
      << got[1];
}

TEST(ExpectationFiles, ContradictingEntriesOfTwoFilesNameBothPlaces) {
  std::string dir = temp_dir("contradict");
  write(dir + "/a.yaml", file_with("  implementation: \"cpython-*\"\n  version: \">=3.6,<3.10\"\n", "exited 0"));
  write(dir + "/b.yaml", file_with("  implementation: \"cpython-3.[89]*\"\n", "exited 1"));
  auto set = load_expectation_directory(dir);
  auto got = messages(set);
  ASSERT_EQ(got.size(), 1u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0].substr(0, got[0].find(';')),
            dir + "/b.yaml:6:7: scenario 's', field 'outcome': \"exited 1\" here contradicts \"exited 0\" at " + dir +
                "/a.yaml:7");
  std::filesystem::remove_all(dir);
}

TEST(ExpectationFiles, EntriesOfFilesThatNeverMeetMayDiffer) {
  // Each pair of conditions never holds for one cell, so the two values never compete.
  const std::pair<std::string, std::string> disjoint[] = {
      {"  implementation: \"cpython-*\"\n  version: \">=3.6,<3.8\"\n",
       "  implementation: \"cpython-*\"\n  version: \">=3.8\"\n"},
      {"  implementation: \"cpython-*\"\n", "  implementation: \"spawn_core-*\"\n"},
      {"  implementation: \"*\"\n  root: true\n", "  implementation: \"*\"\n  root: false\n"},
      {"  implementation: \"*\"\n  reference: \"cpython-3.13*\"\n",
       "  implementation: \"*fork\"\n  reference: \"cpython-3.1[12].*\"\n"},
      {"  implementation: \"*\"\n  kernel: \"<5.9\"\n", "  implementation: \"*\"\n  kernel: \">=5.9\"\n"},
  };
  for (const auto& [x, y] : disjoint) {
    auto a = load_expectation_text("a.yaml", file_with(x, "exited 0"));
    auto b = load_expectation_text("b.yaml", file_with(y, "exited 1"));
    ASSERT_TRUE(a.diagnostics.empty() && b.diagnostics.empty()) << x << y;
    ASSERT_TRUE(a.files.size() == 1 && b.files.size() == 1) << "each text must load as one file: " << x << y;
    auto got = contradicting_entries({a.files[0], b.files[0]});
    EXPECT_TRUE(got.empty()) << x << y << got[0].to_string();
  }
  // The same pairs with one side widened do meet.
  auto a = load_expectation_text("a.yaml", file_with("  implementation: \"*\"\n", "exited 0"));
  auto b = load_expectation_text("b.yaml", file_with("  implementation: \"*fork\"\n  root: true\n", "exited 1"));
  ASSERT_TRUE(a.files.size() == 1 && b.files.size() == 1) << "each text must load as one file";
  EXPECT_EQ(contradicting_entries({a.files[0], b.files[0]}).size(), 1u);
}

TEST(ExpectationFiles, FifoAndYmlInTheDirectoryAreNamedWithoutBlocking) {
  std::string dir = temp_dir("fifo");
  write(dir + "/good.yaml", good);
  write(dir + "/old.yml", good);
  ASSERT_EQ(::mkfifo((dir + "/pipe.yaml").c_str(), 0600), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(5);
    auto got = messages(load_expectation_directory(dir));
    std::vector<std::string> want = {dir + "/old.yml:1:1: a .yml file: expectation files are named *.yaml; rename it "
                                           "to old.yaml",
                                     dir + "/pipe.yaml:1:1: a FIFO, expected a regular file"};
    ::_exit(got == want ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_FALSE(WIFSIGNALED(status)) << "blocked on the FIFO";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::filesystem::remove_all(dir);
}

TEST(ExpectationFiles, RenderedValuesWithControlCharactersLoadBack) {
  auto set = load_expectation_text("c.yaml", R"(applies_to: {implementation: x}
entries:
  - scenario: "null"
    fields: {outcome: "a\rb\tc\u0001 \u2028 \u0085 \u2029 \xff"}
    reason: r
    link: l
)");
  ASSERT_TRUE(set.diagnostics.empty()) << ::testing::PrintToString(messages(set));
  ASSERT_EQ(set.files.size(), 1u) << "the file loaded as no file";
  ASSERT_EQ(set.files[0].entries.size(), 1u) << "the file loaded without its entry";
  auto again = load_expectation_text("again.yaml", render_expectation_file(set.files[0]));
  ASSERT_TRUE(again.diagnostics.empty()) << ::testing::PrintToString(messages(again));
  ASSERT_EQ(again.files.size(), 1u) << "the rendered file loaded back as no file";
  ASSERT_EQ(again.files[0].entries.size(), 1u) << "the rendered file lost its entry";
  EXPECT_EQ(again.files[0].entries[0].scenario, "null");
  EXPECT_EQ(again.files[0].entries[0].fields, set.files[0].entries[0].fields);
}

TEST(ExpectationFiles, WritingReplacesASymlinkInsteadOfFollowingIt) {
  // A pull request can add expectations/<column>.yaml as a symbolic link to any file of the user's.
  std::string dir = temp_dir("symlink");
  write(dir + "/victim.txt", "keep me");
  std::filesystem::create_symlink(dir + "/victim.txt", dir + "/spawn_core-fork.yaml");
  write_expectation_file(dir + "/spawn_core-fork.yaml", good);
  std::ifstream victim(dir + "/victim.txt");
  std::string kept((std::istreambuf_iterator<char>(victim)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "keep me");
  EXPECT_FALSE(std::filesystem::is_symlink(dir + "/spawn_core-fork.yaml"));
  EXPECT_TRUE(load_expectation_directory(dir).diagnostics.empty());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 2);
  std::filesystem::remove_all(dir);
}

// --update-expectations records a cell whose failed expect block lies within its difference from the
// reference (the entry then explains both), and never one that fails the block where it agrees
// with the reference: that is the scenario's bug.
TEST(UpdateExpectations, RecordsAFailedExpectOnlyWhereTheCellDiffersFromTheReference) {
  const std::string directory = ::testing::TempDir() + "update-expectations-" + std::to_string(getpid());
  std::filesystem::remove_all(directory);
  std::vector<Scenario> scenarios(2);
  scenarios[0].id = "within-the-difference";
  scenarios[1].id = "outside-the-difference";
  std::vector<Column> columns(2);
  columns[0].descriptor.id = "ref-1";
  columns[1].descriptor.id = "other-1";
  auto differing_cell = [](std::size_t scenario, const std::string& expect_field) {
    JudgedCell cell;
    cell.scenario = scenario;
    cell.column = 1;
    cell.judgement.verdict = Verdict::differ;
    cell.judgement.diff = {FieldDifference{"child.fds", "0,1,2", "0,1,2,5"}};
    cell.judgement.expectation_failures = {FieldDifference{expect_field, "0,1,2", "0,1,2,5"}};
    return cell;
  };
  const std::vector<JudgedCell> cells{differing_cell(0, "child.fds"), differing_cell(1, "child.umask")};
  ExpectationUpdate update = update_expectations(ExpectationSet{}, directory, scenarios, columns, 0, cells, "today");
  EXPECT_EQ(update.added, 1);
  ASSERT_EQ(update.written.size(), 1U);
  ExpectationSet written = load_expectation_directory(directory);
  ASSERT_EQ(written.files.size(), 1U);
  ASSERT_EQ(written.files[0].entries.size(), 1U);
  EXPECT_EQ(written.files[0].entries[0].scenario, "within-the-difference");
  EXPECT_EQ(written.files[0].entries[0].fields.at("child.fds"), "0,1,2,5");
  std::filesystem::remove_all(directory);
}

TEST(ConditionOverlap, Globs) {
  EXPECT_TRUE(globs_overlap("cpython-*", "cpython-3.1[12].*"));
  EXPECT_TRUE(globs_overlap("*fork", "spawn_core-*"));
  EXPECT_TRUE(globs_overlap("*", "x"));
  EXPECT_TRUE(globs_overlap("a?c", "*b*"));
  EXPECT_FALSE(globs_overlap("cpython-3.13*", "cpython-3.1[12].*"));
  EXPECT_FALSE(globs_overlap("cpython-*", "spawn_core-*"));
  EXPECT_FALSE(globs_overlap("*fork", "*spawn"));
  EXPECT_FALSE(globs_overlap("[!a]*", "a*"));
  EXPECT_FALSE(globs_overlap("x", "y"));
  // Quadratic, not exponential, in the stars.
  EXPECT_FALSE(globs_overlap(std::string(200, '*') + "a", std::string(200, '*') + "b"));
}

TEST(ConditionOverlap, VersionGates) {
  auto gate = [](const char* text) {
    std::string error;
    return parse_version_gate(text, error);
  };
  EXPECT_TRUE(gates_overlap(gate(">=3.6,<3.10"), gate(">=3.8")));
  EXPECT_TRUE(gates_overlap(std::nullopt, gate("==3.8")));
  EXPECT_TRUE(gates_overlap(gate("<=3.8"), gate(">=3.8")));
  EXPECT_FALSE(gates_overlap(gate(">=3.6,<3.8"), gate(">=3.8")));
  EXPECT_FALSE(gates_overlap(gate("<3.8"), gate(">3.8")));
  EXPECT_FALSE(gates_overlap(gate("<0"), gate(">=0")));
  // Each clause at its own precision: ">3.8" starts at 3.9, "==3.8" is every 3.8.x.
  EXPECT_FALSE(gates_overlap(gate(">3.8"), gate("<3.9")));
  EXPECT_TRUE(gates_overlap(gate(">3.8"), gate("<3.9.0.1")));
  EXPECT_TRUE(gates_overlap(gate("<=3.12"), gate(">=3.12.5")));
  EXPECT_TRUE(gates_overlap(gate("==3.8"), gate("!=3.8.0")));  // 3.8.1 is in both
  EXPECT_FALSE(gates_overlap(gate("==3.8.0"), gate("!=3.8")));
  EXPECT_FALSE(gates_overlap(gate(">=3.8,<3.10"), gate("!=3.8,!=3.9")));  // removed ranges cover it all
  EXPECT_TRUE(gates_overlap(gate(">=3.8,<3.11"), gate("!=3.8,!=3.9")));
}

// The overlap check and the gate itself must agree: for every pair of gates below, some version of a
// dense sample is admitted by both exactly when gates_overlap says so.
TEST(ConditionOverlap, AgreesWithTheGatesOnSampledVersions) {
  auto gate = [](const char* text) {
    std::string error;
    auto parsed = parse_version_gate(text, error);
    EXPECT_TRUE(parsed) << text << ": " << error;
    return parsed;
  };
  const char* gates[] = {">=3.8", "<3.8",  "<=3.12", ">3.12",   "==3.13",        "!=3.13",   "==3.11.2",
                         ">3.11.2", "<=3.11.2", ">=3.6,<3.11.7", "!=3.8,!=3.9", ">=3.8,<3.10", "<=3", ">=3.12.5"};
  std::vector<std::string> sample;
  for (int minor = 5; minor <= 14; ++minor)
    for (int patch = 0; patch <= 9; ++patch) sample.push_back(fmt::format("3.{}.{}", minor, patch));
  sample.push_back("4.0.0");
  for (const char* a : gates) {
    for (const char* b : gates) {
      auto x = gate(a), y = gate(b);
      bool both = std::any_of(sample.begin(), sample.end(),
                              [&](const std::string& v) { return x->admits(v) && y->admits(v); });
      EXPECT_EQ(gates_overlap(x, y), both) << a << " and " << b;
    }
  }
}

}  // namespace
}  // namespace fdconform
