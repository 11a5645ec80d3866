// Columns from the drivers' discovery programs (docs/DRIVERS.md, "Discovery"): default columns,
// --impl, --with, --reference patterns, and what a broken program is told.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "commands/columns.hpp"
#include "session/discovery.hpp"

namespace fdconform {
namespace {

namespace fs = std::filesystem;

// A drivers directory of fake drivers: each folder's `columns` is a shell script.
class Discovery : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fdconform-drivers-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    installation_.drivers_dir = pattern;
  }
  void TearDown() override { fs::remove_all(installation_.drivers_dir); }

  void driver(const std::string& folder, const std::string& script) {
    fs::create_directories(installation_.drivers_dir + "/" + folder);
    const std::string program = installation_.drivers_dir + "/" + folder + "/columns";
    std::ofstream(program) << "#!/bin/sh\n" << script;
    ::chmod(program.c_str(), 0755);
  }

  // Two families: "lib" always there, "interp" with a default and a newer non-default version,
  // which answers --with for paths ending in "/interp".
  void two_families() {
    driver("lib", R"(echo '{"id": "lib-a", "argv": ["/bin/true"], "default": true, "reference_rank": "0.1"}'
echo '{"id": "lib-b", "argv": ["/bin/true"], "default": true}'
)");
    driver("interp", R"(echo '{"id": "interp-3.11", "argv": ["/bin/true"], "default": true, "reference_rank": "1.3.11"}'
echo '{"id": "interp-3.13", "argv": ["/bin/true"], "reference_rank": "1.3.13"}'
while [ $# -gt 0 ]; do
  case "$2" in
    */interp) echo "{\"id\": \"interp-9.0\", \"argv\": [\"$2\"], \"reference_rank\": \"1.9.0\", \"with\": \"$2\"}" ;;
    *) echo "{\"with\": \"$2\", \"unavailable\": \"not an interpreter: $2\"}" ;;
  esac
  shift 2
done
)");
  }

  std::vector<std::string> ids(const ColumnChoice& choice) {
    std::vector<std::string> out;
    for (const auto& d : choice.descriptors) out.push_back(d.id);
    return out;
  }

  std::string error_of(const RunOptions& options) {
    try {
      choose_columns(options, installation_);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no error)";
  }

  Installation installation_;
};

TEST_F(Discovery, ADefaultRunHasTheDefaultColumnsAndTheHighestRankedOfThemIsTheReference) {
  two_families();
  auto choice = choose_columns(RunOptions{}, installation_);
  EXPECT_EQ(choice.reference_id, "interp-3.11");  // interp-3.13 ranks higher but is not in the run
  EXPECT_EQ(ids(choice), (std::vector<std::string>{"interp-3.11", "lib-a", "lib-b"}));
  EXPECT_EQ(choice.all.size(), 4u);
}

TEST_F(Discovery, ImplSelectsAmongEveryColumnFoundAndTheReferenceStillRuns) {
  two_families();
  RunOptions options;
  options.impls = {"lib-*"};
  auto choice = choose_columns(options, installation_);
  EXPECT_EQ(choice.reference_id, "interp-3.11");
  EXPECT_EQ(ids(choice), (std::vector<std::string>{"interp-3.11", "lib-a", "lib-b"}));
  options.impls = {"*"};
  choice = choose_columns(options, installation_);
  EXPECT_EQ(choice.reference_id, "interp-3.13");  // named by --impl, so it can be the reference
  EXPECT_EQ(ids(choice).size(), 4u);
}

TEST_F(Discovery, AReferencePatternTakesItsHighestRankedMatch) {
  two_families();
  RunOptions options;
  options.reference = "interp-*";
  options.impls = {"lib-b"};
  auto choice = choose_columns(options, installation_);
  EXPECT_EQ(choice.reference_id, "interp-3.13");
  EXPECT_EQ(ids(choice), (std::vector<std::string>{"interp-3.13", "lib-b"}));
  options.reference = "nothing-*";
  EXPECT_NE(error_of(options).find("--reference nothing-*: no such implementation"), std::string::npos);
}

TEST_F(Discovery, AnOfferedPathJoinsTheRunWithItsRerunArguments) {
  two_families();
  RunOptions options;
  options.offered = {"/opt/x/interp"};
  auto choice = choose_columns(options, installation_);
  EXPECT_EQ(choice.reference_id, "interp-9.0");
  ASSERT_EQ(choice.descriptors.front().id, "interp-9.0");
  EXPECT_EQ(choice.descriptors.front().rerun, (std::vector<std::string>{"--with", "/opt/x/interp"}));
  EXPECT_TRUE(choice.descriptors.front().default_column);
}

TEST_F(Discovery, AnOfferedPathNoDriverCanUseIsAnErrorWithTheirReasons) {
  two_families();
  RunOptions options;
  options.offered = {"/opt/tool"};
  std::string error = error_of(options);
  EXPECT_NE(error.find("--with /opt/tool: no driver offers a column for it (not an interpreter: /opt/tool)"),
            std::string::npos)
      << error;
}

TEST_F(Discovery, AColumnThatCannotRunIsListedButNeverTheReference) {
  driver("gone", R"(echo '{"id": "gone", "default": true, "unavailable": "no runtime found"}'
echo '{"unavailable": "a broken install at /opt/gone"}'
)");
  driver("lib", R"(echo '{"id": "lib-a", "argv": ["/bin/true"], "default": true}'
)");
  auto choice = choose_columns(RunOptions{}, installation_);
  EXPECT_EQ(choice.reference_id, "lib-a");
  ASSERT_EQ(ids(choice), (std::vector<std::string>{"lib-a", "gone"}));
  EXPECT_EQ(choice.descriptors[1].unavailable, "no runtime found");
  EXPECT_EQ(choice.notices, std::vector<std::string>{"a broken install at /opt/gone"});
}

TEST_F(Discovery, ABrokenProgramIsNamedWithItsLine) {
  driver("bad", "echo '{\"id\": \"ok\", \"argv\": [\"/bin/true\"]}'\necho 'not json'\n");
  std::string error = error_of(RunOptions{});
  EXPECT_NE(error.find(installation_.drivers_dir + "/bad/columns: line 2: expected a JSON object"), std::string::npos)
      << error;
  fs::remove_all(installation_.drivers_dir + "/bad");
  driver("bad", "echo '{\"id\": \"ok\", \"argv\": [\"/bin/true\"], \"colour\": 1}'\n");
  error = error_of(RunOptions{});
  EXPECT_NE(error.find("line 1: unknown key 'colour'"), std::string::npos) << error;
  fs::remove_all(installation_.drivers_dir + "/bad");
}

TEST_F(Discovery, AProgramThatFailsIsOneUnavailableColumnAndTheOthersRun) {
  driver("broken", "echo 'cannot look: no toolchain' >&2\nexit 3\n");
  driver("lib", "echo '{\"id\": \"lib-a\", \"argv\": [\"/bin/true\"], \"default\": true}'\n");
  RunOptions options;
  options.impls = {"*"};
  auto choice = choose_columns(options, installation_);
  EXPECT_EQ(choice.reference_id, "lib-a");
  ASSERT_EQ(ids(choice), (std::vector<std::string>{"lib-a", "broken"}));
  EXPECT_NE(choice.descriptors[1].unavailable.find("listing its columns failed: "), std::string::npos);
  EXPECT_NE(choice.descriptors[1].unavailable.find("exited with status 3: cannot look: no toolchain"), std::string::npos)
      << choice.descriptors[1].unavailable;
  ASSERT_EQ(choice.notices.size(), 1u);  // said once in every run, named or not
  EXPECT_EQ(ids(choose_columns(RunOptions{}, installation_)), std::vector<std::string>{"lib-a"});
}

TEST_F(Discovery, TwoColumnsWithOneIdAreRefused) {
  driver("one", "echo '{\"id\": \"same\", \"argv\": [\"/bin/true\"], \"default\": true}'\n");
  driver("two", "echo '{\"id\": \"same\", \"argv\": [\"/bin/true\"]}'\n");
  EXPECT_NE(error_of(RunOptions{}).find("a second column with the id 'same'"), std::string::npos);
}

// A test's own descriptor of a column the build also lists (a runtime column's corpus test), or a
// modified adapter: the named file wins, and says so; two files with one id stay an error.
TEST_F(Discovery, ADriverFileReplacesTheDiscoveredColumnOfItsId) {
  two_families();
  const std::string file = installation_.drivers_dir + "/mine.json";
  std::ofstream(file) << R"({"id": "lib-b", "argv": ["/bin/false"]})";
  RunOptions options;
  options.driver_files = {file};
  options.impls = {"lib-b"};
  auto choice = choose_columns(options, installation_);
  ASSERT_EQ(ids(choice), (std::vector<std::string>{"interp-3.11", "lib-b"}));  // the reference runs too
  EXPECT_EQ(choice.descriptors[1].argv, std::vector<std::string>{"/bin/false"});
  ASSERT_EQ(choice.notices.size(), 1u);
  EXPECT_EQ(choice.notices[0], "--driver " + file + " replaces the discovered column lib-b");
  options.driver_files = {file, file};
  EXPECT_NE(error_of(options).find("'lib-b'"), std::string::npos) << error_of(options);
}

TEST_F(Discovery, NoColumnsAtAllSaysWhereItLooked) {
  std::string error = error_of(RunOptions{});
  EXPECT_NE(error.find("no columns: no driver in " + installation_.drivers_dir), std::string::npos) << error;
}

}  // namespace
}  // namespace fdconform
