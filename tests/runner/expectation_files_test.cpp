// Expectation files: strict loading with located errors, applicability, stale entries, rendering.
#include <gtest/gtest.h>

#include "expectations/expectation_files.hpp"

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
  EXPECT_EQ(signature->at("outcome.filename"), std::optional<std::string>("sub"));
  EXPECT_EQ(signature->at("child.fds"), std::nullopt);
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
  auto again = load_expectation_text("again.yaml", render_expectation_file(set.files[0]));
  ASSERT_TRUE(again.diagnostics.empty()) << ::testing::PrintToString(messages(again));
  ASSERT_EQ(again.files[0].entries.size(), 1u);
  EXPECT_EQ(again.files[0].entries[0].fields, set.files[0].entries[0].fields);
  EXPECT_EQ(again.files[0].entries[0].reason, set.files[0].entries[0].reason);
  EXPECT_EQ(again.files[0].applies_to.version->text, ">=3.6,<3.8");
}

}  // namespace
}  // namespace fdconform
