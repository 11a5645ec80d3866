// PATH search for names without a slash, observed by which program ran.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnError;
using spawn_core::SpawnPath;

namespace {

// A bin directory holding the probe under `name` (a symlink).
std::string make_bin(const TempDir& dir, const std::string& sub, const std::string& name) {
  const std::string bin = dir.file(sub);
  mkdir(bin.c_str(), 0755);
  symlink(probe_path().c_str(), (bin + "/" + name).c_str());
  return bin;
}

int error_of(const Command& command, std::string* filename = nullptr) {
  try {
    auto process = spawn_core::spawn(command);
    process.wait();
  } catch (const SpawnError& error) {
    if (filename) *filename = error.filename().value_or("<none>");
    return error.error_number();
  }
  return 0;
}

}  // namespace

// A bare name is never eligible for posix_spawn, so these run on fork and vfork.
class ExecSearch : public testing::TestWithParam<SpawnPath> {};

TEST_P(ExecSearch, SearchesThePathOfTheGivenEnv) {
  TempDir dir;
  const std::string bin = make_bin(dir, "bin", "probe-alias");
  Command command;
  command.args = {"probe-alias", "--report=" + dir.file("probe.json")};
  command.env = spawn_core::EnvList{{"PATH", dir.file("empty") + ":" + bin}};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.wait(), 0);
  EXPECT_TRUE(read_report(dir.file("probe.json")));
}

TEST_P(ExecSearch, SearchesTheParentPathWhenEnvIsAbsent) {
  TempDir dir;
  const std::string bin = make_bin(dir, "bin", "probe-alias");
  const std::string saved = getenv("PATH") ? getenv("PATH") : "";
  setenv("PATH", bin.c_str(), 1);
  Command command;
  command.args = {"probe-alias", "--report=" + dir.file("probe.json")};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  int status = -1;
  try {
    auto process = spawn_core::spawn(command);
    status = process.wait();
  } catch (...) {
  }
  setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(status, 0);
}

TEST_P(ExecSearch, EmptyEntryMeansTheChildsCwd) {
  TempDir dir;
  const std::string bin = make_bin(dir, "bin", "probe-alias");
  Command command;
  command.args = {"probe-alias", "--report=" + dir.file("probe.json")};
  command.env = spawn_core::EnvList{{"PATH", dir.file("empty") + ":"}};
  command.cwd = bin;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.wait(), 0);
  auto report = read_report(dir.file("probe.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/argv/0"), "probe-alias");
}

TEST_P(ExecSearch, UnsetPathUsesBinAndUsrBin) {
  Command command;
  command.args = {"true"};
  command.env = spawn_core::EnvList{};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.wait(), 0);
  command.args = {"spawn-core-no-such-program"};
  std::string filename;
  EXPECT_EQ(error_of(command, &filename), ENOENT);
  EXPECT_EQ(filename, "spawn-core-no-such-program");
}

TEST_P(ExecSearch, FirstErrorOtherThanNotFoundIsKept) {
  TempDir dir;
  const std::string denied = dir.file("denied");
  mkdir(denied.c_str(), 0755);
  dir.write("denied/prog", "#!/bin/sh\n", 0644);
  const std::string other = dir.file("other");
  mkdir(other.c_str(), 0755);
  dir.write("other/prog", "#!/bin/sh\n", 0644);
  Command command;
  command.args = {"prog"};
  command.env = spawn_core::EnvList{{"PATH", dir.file("missing") + ":" + denied + ":" + dir.file("missing2")}};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  std::string filename;
  EXPECT_EQ(error_of(command, &filename), EACCES);
  EXPECT_EQ(filename, "prog");
}

TEST_P(ExecSearch, AllNotFoundReportsTheLastErrno) {
  TempDir dir;
  const std::string file = dir.write("a-file", "");
  Command command;
  command.args = {"prog"};
  command.env = spawn_core::EnvList{{"PATH", dir.file("missing") + ":" + file}};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  EXPECT_EQ(error_of(command), ENOTDIR);
  command.env = spawn_core::EnvList{{"PATH", file + ":" + dir.file("missing")}};
  EXPECT_EQ(error_of(command), ENOENT);
}

TEST_P(ExecSearch, NameWithSlashIsNotSearched) {
  TempDir dir;
  make_bin(dir, "bin", "probe-alias");
  Command command;
  command.args = {"bin/probe-alias", "--report=" + dir.file("probe.json")};
  command.env = spawn_core::EnvList{{"PATH", dir.file("bin")}};
  command.cwd = dir.path();  // relative to the child's cwd, after chdir
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto process = spawn_core::spawn(command);
  EXPECT_EQ(process.wait(), 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, ExecSearch, testing::Values(SpawnPath::fork, SpawnPath::vfork), path_name);
