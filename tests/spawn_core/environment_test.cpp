// The child's environment: a replaced one arrives byte for byte and in order
// from the contiguous block spawn_core builds, an inherited one is the
// parent's environ as it is, and the checks made on the block agree with
// CPython's checks on the list (argument_checks.hpp) for every input.
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "argument_checks.hpp"
#include "child_plan.hpp"
#include "probe_support.hpp"

extern char** environ;

using namespace spawn_core_test;
using spawn_core::Command;
using spawn_core::EnvList;
using spawn_core::SpawnError;
using spawn_core::SpawnPath;
using spawn_core::detail::EnvironmentBlock;
using spawn_core::detail::EnvironmentRules;

namespace {

// Sets the process's environ to `entries` for the guard's lifetime (the
// strings and the array live in the guard), then puts the original back.
class EnvironReplacement {
 public:
  explicit EnvironReplacement(std::vector<std::string> entries) : entries_(std::move(entries)), saved_(environ) {
    for (auto& entry : entries_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
    environ = pointers_.data();
  }
  ~EnvironReplacement() { environ = saved_; }
  EnvironReplacement(const EnvironReplacement&) = delete;
  EnvironReplacement& operator=(const EnvironReplacement&) = delete;

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
  char** saved_;
};

// Several thousand variables and one of 100,000 bytes (under the kernel's
// 128 KiB limit for one string), more text than malloc serves from its heap
// at first (the block is then a mapping of its own): empty values, values
// holding '='. No key starts with '=', so every path accepts the list.
EnvList large_environment() {
  EnvList env;
  for (int i = 0; i < 6000; ++i) {
    std::string value;
    switch (i % 4) {
      case 0: break;
      case 1: value = "a=b=" + std::to_string(i); break;
      case 2: value = std::string(static_cast<size_t>(i % 97), 'v'); break;
      default: value = "/usr/local/bin:/usr/bin:/bin"; break;
    }
    env.emplace_back("VAR_" + std::to_string(i), value);
  }
  env.emplace_back("LAST", std::string(100000, 'z'));
  return env;
}

nlohmann::json joined(const EnvList& env) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [key, value] : env) entries.push_back(key + "=" + value);
  return entries;
}

std::string error_message(const Command& command) {
  try {
    auto process = spawn_core::spawn(command);
    process.wait();
  } catch (const SpawnError& error) {
    return error.python_type() + ": " + error.what();
  }
  return "no error";
}

}  // namespace

class EnvironmentOnPath : public testing::TestWithParam<SpawnPath> {};

TEST_P(EnvironmentOnPath, LargeReplacedEnvironmentArrivesExactlyInOrder) {
  TempDir dir;
  Command command = probe_command(dir);
  command.path = GetParam();
  const EnvList env = large_environment();
  command.env = env;
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), joined(env));
}

TEST_P(EnvironmentOnPath, EmptyReplacedEnvironmentLeavesTheChildNone) {
  TempDir dir;
  Command command = probe_command(dir);
  command.path = GetParam();
  command.env = EnvList{};
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  auto report = run_probe(command, dir);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), nlohmann::json::array());
}

// Entries no EnvList could carry (a duplicated key, no '=' at all, an empty
// key) reach the child unchanged only if environ itself is what exec gets.
TEST_P(EnvironmentOnPath, InheritedEnvironIsPassedAsItIs) {
  TempDir dir;
  Command command = probe_command(dir);
  command.path = GetParam();
  SKIP_UNLESS_ELIGIBLE(command, GetParam());
  const std::vector<std::string> entries = {"DUP=first", "NO_EQUALS_SIGN", "DUP=second", "=empty-key", "Z="};
  std::optional<Report> report;
  {
    EnvironReplacement replacement(entries);
    report = run_probe(command, dir);
  }
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), nlohmann::json(entries));
}

INSTANTIATE_TEST_SUITE_P(Paths, EnvironmentOnPath,
                         testing::Values(SpawnPath::automatic, SpawnPath::fork, SpawnPath::vfork,
                                         SpawnPath::posix_spawn),
                         path_name);

TEST(EnvironmentPosixSpawnCall, ReplacedAndInheritedEnvironments) {
  TempDir dir;
  const std::vector<std::string> argv = {probe_path(), "--report=" + dir.file("replaced.json")};
  const EnvList env = large_environment();
  const pid_t replaced = spawn_core::posix_spawn(probe_path(), argv, env);
  ASSERT_GT(replaced, 0);
  int status = -1;
  ASSERT_EQ(waitpid(replaced, &status, 0), replaced);
  auto report = read_report(dir.file("replaced.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), joined(env));

  const std::vector<std::string> entries = {"DUP=1", "DUP=2", "BARE"};
  pid_t inherited = -1;
  {
    EnvironReplacement replacement(entries);
    inherited = spawn_core::posix_spawn(probe_path(), {probe_path(), "--report=" + dir.file("inherited.json")},
                                        std::nullopt);
  }
  ASSERT_GT(inherited, 0);
  ASSERT_EQ(waitpid(inherited, &status, 0), inherited);
  report = read_report(dir.file("inherited.json"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->field("/env"), nlohmann::json(entries));
}

// With several offending variables the first error is CPython's: Popen checks
// every key for '=' before converting anything (so the later key wins over an
// earlier NUL); posix_spawn checks variable by variable.
TEST(EnvironmentChecks, FirstErrorFollowsEachCallsOrder) {
  TempDir dir;
  Command command = probe_command(dir);
  command.env = EnvList{{"K", std::string("v\0w", 3)}, {"A=B", "x"}};
  command.path = SpawnPath::fork;
  EXPECT_EQ(error_message(command), "ValueError: illegal environment variable name");
  command.path = SpawnPath::posix_spawn;
  EXPECT_EQ(error_message(command), "ValueError: embedded null byte");
}

// EnvironmentBlock::satisfies must say yes exactly when the list checks raise
// nothing, or a bad environment would reach exec (or a good one be refused):
// compared on random lists over the characters that matter.
TEST(EnvironmentChecks, BlockScanAgreesWithTheListChecks) {
  std::mt19937 random(19);
  const std::string alphabet = std::string("ab=", 3) + std::string(1, '\0');
  auto text = [&](int max_length) {
    std::string result;
    const int length = static_cast<int>(random() % static_cast<unsigned>(max_length + 1));
    for (int i = 0; i < length; ++i) result += alphabet[random() % alphabet.size()];
    return result;
  };
  int accepted[2] = {0, 0};
  int refused[2] = {0, 0};
  for (int round = 0; round < 4000; ++round) {
    EnvList env;
    const int count = static_cast<int>(random() % 4);
    for (int i = 0; i < count; ++i) {
      // Mostly clean variables, so that lists passing every check are common too.
      if (random() % 3 != 0) {
        env.emplace_back("K" + std::to_string(i), "v");
      } else {
        env.emplace_back(text(3), text(3));
      }
    }
    const EnvironmentBlock block(env);
    for (const EnvironmentRules rules : {EnvironmentRules::popen, EnvironmentRules::posix_spawn}) {
      bool list_accepts = true;
      try {
        if (rules == EnvironmentRules::popen) {
          spawn_core::detail::check_popen_env(env);
        } else {
          spawn_core::detail::check_posix_spawn_env(env);
        }
      } catch (const SpawnError&) {
        list_accepts = false;
      }
      const int index = rules == EnvironmentRules::popen ? 0 : 1;
      ++(list_accepts ? accepted : refused)[index];
      ASSERT_EQ(block.satisfies(env, rules), list_accepts)
          << "rules " << index << ", list " << joined(env).dump();
    }
  }
  // Both answers occurred for both rule sets, so the comparison meant something.
  for (int index : {0, 1}) {
    EXPECT_GT(accepted[index], 100);
    EXPECT_GT(refused[index], 100);
  }
}

TEST(EnvironmentChecks, BlockHoldsJoinedEntriesForBothSources) {
  const EnvList env = {{"A", ""}, {"B", "x=y"}, {"", "z"}};
  const EnvironmentBlock from_pairs(env);
  const EnvironmentBlock from_entries(std::vector<std::string>{"A=", "B=x=y", "=z"});
  for (const EnvironmentBlock* block : {&from_pairs, &from_entries}) {
    ASSERT_EQ(block->size(), 3u);
    EXPECT_STREQ(block->data()[0], "A=");
    EXPECT_STREQ(block->data()[1], "B=x=y");
    EXPECT_STREQ(block->data()[2], "=z");
    EXPECT_EQ(block->data()[3], nullptr);
  }
}
