// user/group/extra_groups (root only): the child runs with the ids asked for.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe_support.hpp"

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::SpawnError;
using spawn_core::SpawnPath;

namespace {

std::optional<gid_t> group_id(const char* name) {
  if (const group* entry = getgrnam(name)) return entry->gr_gid;
  return std::nullopt;
}

}  // namespace

class Credentials : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "changing credentials needs root (CI runs as root)";
    if (!getpwnam("nobody") || !group_id("nogroup")) GTEST_SKIP() << "needs user nobody and group nogroup";
  }
};

TEST_F(Credentials, UserGroupAndExtraGroupsByName) {
  TempDir dir;
  Command command = probe_command(dir);
  command.user = std::string("nobody");
  command.group = std::string("nogroup");
  command.extra_groups = std::vector<spawn_core::GroupSpec>{std::string("nogroup")};
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  const uid_t nobody = getpwnam("nobody")->pw_uid;
  const gid_t nogroup = *group_id("nogroup");
  EXPECT_EQ(report->field("/uid"), nobody);
  EXPECT_EQ(report->field("/euid"), nobody);
  EXPECT_EQ(report->field("/suid"), nobody);
  EXPECT_EQ(report->field("/gid"), nogroup);
  EXPECT_EQ(report->field("/egid"), nogroup);
  EXPECT_EQ(report->field("/groups"), nlohmann::json(std::vector<gid_t>{nogroup}));
}

TEST_F(Credentials, EmptyExtraGroupsClearsSupplementaryGroups) {
  TempDir dir;
  Command command = probe_command(dir);
  command.extra_groups = std::vector<spawn_core::GroupSpec>{};
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/groups"), nlohmann::json::array());
  EXPECT_EQ(report->field("/uid"), 0u);
}

TEST_F(Credentials, UserByNumberKeepsSupplementaryGroups) {
  TempDir dir;
  Command command = probe_command(dir);
  command.user = static_cast<uid_t>(getpwnam("nobody")->pw_uid);
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  std::vector<gid_t> ours(static_cast<size_t>(getgroups(0, nullptr)));
  getgroups(static_cast<int>(ours.size()), ours.data());
  EXPECT_EQ(report->field("/groups"), nlohmann::json(ours));  // no initgroups()
}

TEST_F(Credentials, AutomaticChoiceIsForkAndForcedVforkIsRefused) {
  TempDir dir;
  Command command = probe_command(dir);
  command.user = std::string("nobody");
  EXPECT_EQ(spawn_core::choose_path(command), SpawnPath::fork);
  command.path = SpawnPath::vfork;
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "vfork accepted a credential change";
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.python_type(), "ValueError");
  }
}

TEST_F(Credentials, ExecPermissionIsCheckedWithTheNewIds) {
  TempDir dir;
  const std::string script = dir.write("root-only", "#!/bin/sh\nexit 0\n", 0700);
  Command command;
  command.args = {script};
  command.user = std::string("nobody");
  try {
    spawn_core::spawn(command);
    ADD_FAILURE() << "nobody could run a root-only program";
  } catch (const SpawnError& error) {
    EXPECT_EQ(error.step(), spawn_core::FailedStep::exec);
    EXPECT_EQ(error.error_number(), EACCES);
    EXPECT_EQ(error.filename(), script);
  }
}

// Negative ids are the caller's mistake, refused as CPython's Popen refuses them: before any fork,
// the group first, then the extra groups, then the user. No root needed: nothing is changed.
TEST(CredentialArguments, NegativeIdsAreValueErrorsInCPythonsOrder) {
  TempDir dir;
  struct Case {
    std::optional<spawn_core::UserSpec> user;
    std::optional<spawn_core::GroupSpec> group;
    std::optional<std::vector<spawn_core::GroupSpec>> extra_groups;
    std::string message;
  };
  const Case cases[] = {
      {-3LL, std::nullopt, std::nullopt, "User ID cannot be negative, got -3"},
      {-3LL, -1LL, std::nullopt, "Group ID cannot be negative, got -1"},
      {-3LL, std::nullopt, std::vector<spawn_core::GroupSpec>{5LL, -4LL}, "Group ID cannot be negative, got -4"},
  };
  for (const auto& c : cases) {
    Command command = probe_command(dir);
    command.user = c.user;
    command.group = c.group;
    command.extra_groups = c.extra_groups;
    try {
      spawn_core::spawn(command);
      ADD_FAILURE() << "spawned with " << c.message;
    } catch (const SpawnError& error) {
      EXPECT_EQ(error.python_type(), "ValueError");
      EXPECT_EQ(std::string(error.what()), c.message);
      EXPECT_EQ(error.step(), spawn_core::FailedStep::parent) << c.message;  // raised before any fork
    }
  }
}
