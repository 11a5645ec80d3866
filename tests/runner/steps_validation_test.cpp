// `steps` scenarios (docs/SCENARIO_FORMAT.md "Steps: more than one spawn", "Threads: steps run together"):
// what validates, and the JSON the drivers receive. The refused forms are in bad_scenarios/steps-*.yaml and
// bad_scenarios/together-*.yaml.
#include <gtest/gtest.h>

#include "scenario/loader.hpp"

namespace fdconform {
namespace {

const std::string header = R"(format: 1
id: steps-example
title: a steps scenario
description: several spawns in one scenario parent
covers: [X7]
source: tests/runner
)";

nlohmann::json load_json(const std::string& body) {
  auto loaded = load_scenario_text("steps-example.yaml", header + body, "steps-example");
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();
  if (!loaded.scenario) return nullptr;
  return loaded.scenario->json;
}

nlohmann::json default_popen() {
  return nlohmann::json::parse(R"({
    "argv": ["{probe}"], "executable": null, "shell": false, "stdin": "inherit", "stdout": "inherit",
    "stderr": "inherit", "close_fds": true, "pass_fds": [], "cwd": null, "env": null, "restore_signals": true,
    "start_new_session": false, "process_group": null, "user": null, "group": null, "extra_groups": null,
    "umask": -1, "pipesize": -1, "close_strategy": null, "preexec": null, "path_type": "str"})");
}

TEST(Steps, TheDocsExampleGivesStepsAndANullSpawn) {
  auto j = load_json(R"(steps:
  - spawn: {name: holder, popen: {stdin: pipe, argv: ["{probe}", "--hold=stdin"]}}
  - spawn: {name: second, popen: {close_fds: false}}
  - call: {child: holder, method: communicate}
expect:
  fields:
    second.fds: "0,1,2"
    step.3: returned stdout=None stderr=None
)");
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j["spawn"].is_null());
  auto holder = default_popen();
  holder["stdin"] = "pipe";
  holder["argv"] = {"{probe}", "--hold=stdin"};
  auto second = default_popen();
  second["close_fds"] = false;
  const nlohmann::json steps = {
      {{"spawn", {{"name", "holder"}, {"popen", holder}}}},
      {{"spawn", {{"name", "second"}, {"popen", second}}}},
      {{"call", {{"child", "holder"}, {"method", "communicate"}, {"signal", nullptr}}}},
  };
  EXPECT_EQ(j["steps"], steps) << j["steps"].dump(2);
  EXPECT_EQ(j["expect"], (nlohmann::json{{"fields", {{"second.fds", "0,1,2"},
                                                     {"step.3", "returned stdout=None stderr=None"}}}}));
}

TEST(Steps, EveryStepKindAndThePipeEndsOfEarlierSpawns) {
  auto j = load_json(R"(parent:
  resources:
    - {name: log, kind: file}
steps:
  - spawn: {name: holder, popen: {stdin: pipe, stdout: pipe, argv: ["{probe}", "--hold=signal"]}}
  - spawn:
      name: second
      popen: {pass_fds: [holder.stdin, log], stdin: {resource: holder.stdout}, argv: ["{probe}", "h={pid:holder}"]}
  - spawn:
      name: third
      posix_spawn: {file_actions: [{dup2: [holder.stdin, 5]}, {close: holder.stdout}]}
  - spawn: {name: fourth, fork_exec: {steps: [{close: holder.stdin}]}}
  - call: {child: holder, method: send_signal, signal: SIGUSR1}
  - call: {child: second, method: returncode}
  - wait: third
  - wait: fourth
  - parent: {close: holder.stdin}
  - parent: {set_inheritable: {fd: log, value: true}}
  - parent: {get_inheritable: 3}
  - parent: {dup2: {fd: holder.stdout, to: 9}}
  - parent: {dup2: {fd: log, to: 10, inheritable: false}}
expect:
  fields:
    holder.outcome: signaled SIGUSR1
    second.outcome.errno: ENOENT
    second.fd.3: holder.stdin
    third.fds: "0,1,2,5"
    step.5: returned None
    step.7: returned 0
    parent_after.fds: "0,1,2,3"
)");
  ASSERT_TRUE(j.is_object());
  const auto& steps = j["steps"];
  ASSERT_EQ(steps.size(), 13u);
  EXPECT_EQ(steps[1]["spawn"]["popen"]["pass_fds"], (nlohmann::json{"holder.stdin", "log"}));
  EXPECT_EQ(steps[1]["spawn"]["popen"]["stdin"], (nlohmann::json{{"resource", "holder.stdout"}}));
  EXPECT_EQ(steps[1]["spawn"]["popen"]["argv"][1], "h={pid:holder}");
  EXPECT_EQ(steps[2]["spawn"]["name"], "third");
  EXPECT_EQ(steps[2]["spawn"]["posix_spawn"]["file_actions"],
            nlohmann::json::parse(R"([{"dup2": ["holder.stdin", 5]}, {"close": "holder.stdout"}])"));
  EXPECT_EQ(steps[3]["spawn"]["fork_exec"]["steps"], nlohmann::json::parse(R"([{"close": "holder.stdin"}])"));
  EXPECT_EQ(steps[4], nlohmann::json::parse(R"({"call": {"child": "holder", "method": "send_signal",
                                                         "signal": "SIGUSR1"}})"));
  EXPECT_EQ(steps[5], nlohmann::json::parse(R"({"call": {"child": "second", "method": "returncode",
                                                         "signal": null}})"));
  EXPECT_EQ(steps[6], nlohmann::json::parse(R"({"wait": "third"})"));
  EXPECT_EQ(steps[7], nlohmann::json::parse(R"({"wait": "fourth"})"));
  EXPECT_EQ(steps[8], nlohmann::json::parse(R"({"parent": {"close": "holder.stdin"}})"));
  EXPECT_EQ(steps[9], nlohmann::json::parse(R"({"parent": {"set_inheritable": {"fd": "log", "value": true}}})"));
  EXPECT_EQ(steps[10], nlohmann::json::parse(R"({"parent": {"get_inheritable": 3}})"));
  EXPECT_EQ(steps[11],
            nlohmann::json::parse(R"({"parent": {"dup2": {"fd": "holder.stdout", "to": 9, "inheritable": true}}})"));
  EXPECT_EQ(steps[12], nlohmann::json::parse(R"({"parent": {"dup2": {"fd": "log", "to": 10, "inheritable": false}}})"));
  EXPECT_EQ(j["expect"]["fields"].size(), 7u);
}

TEST(Steps, EightSpawnsAndThirtyTwoStepsAreTheLimits) {
  std::string body = "steps:\n";
  for (int i = 0; i < 8; ++i) body += "  - spawn: {name: s" + std::to_string(i) + ", popen: {}}\n";
  for (int i = 0; i < 24; ++i) body += "  - wait: s" + std::to_string(i % 8) + "\n";
  auto j = load_json(body);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["steps"].size(), 32u);
}

TEST(Steps, ASingleSpawnScenarioSendsNullSteps) {
  auto j = load_json("spawn:\n  popen: {}\n");
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j.contains("steps"));
  EXPECT_TRUE(j["steps"].is_null());
  EXPECT_EQ(j["spawn"], (nlohmann::json{{"popen", default_popen()}}));
}

// docs/SCENARIO_FORMAT.md "Threads": a together step is a list of the entries' JSON, each exactly what the
// same step gives on its own; churn is a parent call like the others.
// The error class is a field of its own: NAME.outcome.error_class for a spawn, step.K.error_class (and
// step.K.J.error_class in a together step) for a call, wait or parent step; never for a spawn step.
TEST(Steps, ErrorClassFieldsFollowTheirOutcomeAndStepFields) {
  auto j = load_json(R"(steps:
  - spawn: {name: holder, popen: {stdin: pipe, argv: ["{probe}", "--hold=stdin"]}}
  - call: {child: holder, method: send_signal, signal: SIGTERM}
  - together:
      - call: {child: holder, method: poll}
      - parent: {close: 700}
expect:
  fields:
    holder.outcome: exception
    holder.outcome.error_class: FileNotFoundError
    step.2: raised ESRCH
    step.2.error_class: ProcessLookupError
    step.3.2: raised EBADF
    step.3.2.error_class: OSError
)");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["expect"]["fields"].size(), 6u);

  auto loaded = load_scenario_text("steps-example.yaml", header + R"(steps:
  - spawn: {name: holder, popen: {}}
  - wait: holder
expect:
  fields:
    step.1.error_class: OSError
    step.3.error_class: OSError
    step.2.error_class.error_class: OSError
    holder.error_class: OSError
)",
                                   "steps-example");
  std::vector<std::string> messages;
  for (const auto& d : loaded.diagnostics) messages.push_back(d.to_string());
  ASSERT_EQ(messages.size(), 4u) << ::testing::PrintToString(messages);
  EXPECT_NE(messages[0].find("'step.1.error_class' is a spawn step"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("unknown field 'step.3.error_class': expected step.K with K from 1 to 2"),
            std::string::npos)
      << messages[1];
  EXPECT_NE(messages[2].find("unknown field 'step.2.error_class.error_class'"), std::string::npos) << messages[2];
  EXPECT_NE(messages[3].find("unknown field 'holder.error_class'"), std::string::npos) << messages[3];
}

TEST(Together, GivesTheEntriesJsonAsOrdinarySteps) {
  const std::string resources = R"(parent:
  resources:
    - {name: pa, kind: pipe}
    - {name: pb, kind: pipe}
steps:
  - spawn: {name: holder, popen: {stdin: pipe, argv: ["{probe}", "--hold=stdin"]}}
)";
  auto j = load_json(resources + R"(  - together:
      - spawn: {name: a, popen: {pass_fds: [pa.read]}}
      - spawn: {name: b, posix_spawn: {file_actions: [{dup2: [pb.read, 5]}]}}
      - parent: {churn: {count: 300, inheritable: true}}
      - call: {child: holder, method: poll}
  - parent: {churn: {count: 1, inheritable: false}}
  - parent: {close: holder.stdin}
  - wait: b
expect:
  fields:
    a.fds: "0,1,2,3"
    b.outcome: exited 0
    step.2.3: returned 300
    step.2.4: returned None
    step.3: returned 1
    step.5: returned 0
)");
  ASSERT_TRUE(j.is_object());
  const auto& steps = j["steps"];
  ASSERT_EQ(steps.size(), 5u) << steps.dump(2);
  ASSERT_TRUE(steps[1].is_object());
  ASSERT_EQ(steps[1].size(), 1u);
  const auto& together = steps[1]["together"];
  ASSERT_TRUE(together.is_array());
  ASSERT_EQ(together.size(), 4u);

  auto a = default_popen();
  a["pass_fds"] = {"pa.read"};
  EXPECT_EQ(together[0], (nlohmann::json{{"spawn", {{"name", "a"}, {"popen", a}}}}));
  EXPECT_EQ(together[1]["spawn"]["posix_spawn"]["file_actions"],
            nlohmann::json::parse(R"([{"dup2": ["pb.read", 5]}])"));
  EXPECT_EQ(together[2], nlohmann::json::parse(R"({"parent": {"churn": {"count": 300, "inheritable": true}}})"));
  EXPECT_EQ(together[3], nlohmann::json::parse(R"({"call": {"child": "holder", "method": "poll", "signal": null}})"));
  EXPECT_EQ(steps[2], nlohmann::json::parse(R"({"parent": {"churn": {"count": 1, "inheritable": false}}})"));

  // The same four as ordinary steps give the same JSON, one by one.
  auto plain = load_json(resources + R"(  - spawn: {name: a, popen: {pass_fds: [pa.read]}}
  - spawn: {name: b, posix_spawn: {file_actions: [{dup2: [pb.read, 5]}]}}
  - parent: {churn: {count: 300, inheritable: true}}
  - call: {child: holder, method: poll}
)");
  ASSERT_TRUE(plain.is_object());
  ASSERT_EQ(plain["steps"].size(), 5u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(together[i], plain["steps"][i + 1]) << i;
  EXPECT_EQ(j["expect"]["fields"].size(), 6u);
}

TEST(Together, TheDocsExampleValidates) {
  auto j = load_json(R"(parent:
  resources:
    - {name: pa, kind: pipe}
    - {name: pb, kind: pipe}
steps:
  - together:
      - spawn: {name: a, popen: {pass_fds: [pa.read]}}
      - spawn: {name: b, popen: {pass_fds: [pb.read]}}
      - parent: {churn: {count: 300, inheritable: true}}
)");
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j["steps"].size(), 1u);
  EXPECT_EQ(j["steps"][0]["together"].size(), 3u);
  EXPECT_EQ(j["steps"][0]["together"][2]["parent"]["churn"], (nlohmann::json{{"count", 300}, {"inheritable", true}}));
}

// The pipe ends of a together's spawns are resources for the steps after it, and its children can be
// called and waited on there; two togethers may each wait on the same child.
TEST(Together, LaterStepsUseItsSpawns) {
  auto j = load_json(R"(steps:
  - together:
      - spawn: {name: a, popen: {stdin: pipe, stdout: pipe, argv: ["{probe}", "--hold=stdin"]}}
      - spawn: {name: b, fork_exec: {}}
  - together:
      - spawn: {name: c, popen: {pass_fds: [a.stdin], stdin: {resource: a.stdout}}}
      - parent: {close: a.stdin}
      - wait: b
  - together:
      - call: {child: a, method: communicate}
      - wait: c
expect:
  fields:
    c.fd.0: a.stdout
    step.2.2: returned None
    step.3.1: returned stdout=0 stderr=None
)");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["steps"][1]["together"][1], nlohmann::json::parse(R"({"parent": {"close": "a.stdin"}})"));
  EXPECT_EQ(j["steps"][2]["together"][1], nlohmann::json::parse(R"({"wait": "c"})"));
}

// Entries count as steps and spawns: four togethers of eight are 32 steps, 8 of them spawns.
TEST(Together, EntriesCountTowardsTheLimits) {
  std::string body = "steps:\n  - together:\n";
  for (int i = 0; i < 8; ++i) body += "      - spawn: {name: s" + std::to_string(i) + ", popen: {}}\n";
  for (int t = 0; t < 3; ++t) {
    body += "  - together:\n";
    for (int i = 0; i < 8; ++i)
      body += "      - parent: {churn: {count: " + std::to_string(10000 - i) + ", inheritable: " +
              (i % 2 ? "true" : "false") + "}}\n";
  }
  auto j = load_json(body);
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j["steps"].size(), 4u);
  for (const auto& step : j["steps"]) EXPECT_EQ(step["together"].size(), 8u);
}

}  // namespace
}  // namespace fdconform
