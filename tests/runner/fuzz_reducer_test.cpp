// runner/fuzz/reducer on fake oracles: what it keeps, what it drops, and that it never accepts a
// candidate the oracle refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "fuzz/case_tree.hpp"
#include "fuzz/reducer.hpp"
#include "scenario/loader.hpp"

namespace fdconform::fuzz {
namespace {

CaseNode resource(const std::string& name, long long fd) {
  return CaseNode::mapping({{"name", CaseNode::plain(name)}, {"kind", CaseNode::plain("devnull")},
                            {"fd", CaseNode::number(fd)}, {"inheritable", CaseNode::boolean(true)}});
}

// A case with five resources, pass_fds naming three of them, and a few popen keys.
CaseNode sample_case() {
  CaseNode resources = CaseNode::sequence();
  for (int i = 0; i < 5; ++i) resources.items.push_back(resource("r" + std::to_string(i), 40 + i));
  CaseNode popen = CaseNode::mapping({{"stdin", CaseNode::plain("devnull")},
                                      {"close_fds", CaseNode::boolean(true)},
                                      {"pass_fds", CaseNode::sequence({CaseNode::plain("r3"), CaseNode::plain("r1"),
                                                                       CaseNode::plain("r3")})},
                                      {"start_new_session", CaseNode::boolean(true)}});
  return CaseNode::mapping({{"parent", CaseNode::mapping({{"umask", CaseNode::quoted("077")},
                                                          {"resources", std::move(resources)}})},
                            {"spawn", CaseNode::mapping({{"popen", std::move(popen)}})}});
}

bool contains(const CaseNode& node, const std::string& text) { return body_text(node).find(text) != std::string::npos; }

// Valid, as the validator would say, for these tests: a popen block, every resource with a name and
// a kind, and pass_fds naming only resources that exist.
bool references_resolve(const CaseNode& node) {
  const CaseNode* spawn = node.find("spawn");
  if (!spawn || !spawn->find("popen")) return false;
  if (const CaseNode* parent = node.find("parent"))
    if (const CaseNode* resources = parent->find("resources"))
      for (const auto& r : resources->items)
        if (!r.find("name") || !r.find("kind")) return false;
  if (const CaseNode* pass_fds = spawn->find("popen")->find("pass_fds"))
    for (const auto& item : pass_fds->items)
      if (!contains(node, "name: " + item.text + ",")) return false;
  return true;
}

TEST(FuzzReducer, ReducesToTheElementsTheDifferenceNeeds) {
  // The "difference": resource r3 passed in pass_fds, with start_new_session.
  auto keeps = [](const CaseNode& c) {
    return references_resolve(c) && contains(c, "pass_fds: [r3") && contains(c, "start_new_session: true");
  };
  Reduction result = reduce(sample_case(), keeps);
  EXPECT_EQ(body_text(result.reduced),
            "parent:\n"
            "  resources:\n"
            "    - {name: r3, kind: devnull}\n"
            "spawn:\n"
            "  popen:\n"
            "    pass_fds: [r3]\n"
            "    start_new_session: true\n");
  EXPECT_GT(result.accepted, 0U);
}

TEST(FuzzReducer, LowersNumbersAsFarAsTheDifferenceAllows) {
  // The "difference" needs a resource at fd 3 or above (as one above the standard fds).
  auto keeps = [](const CaseNode& c) {
    const CaseNode* parent = c.find("parent");
    const CaseNode* resources = parent ? parent->find("resources") : nullptr;
    if (!resources || !references_resolve(c)) return false;
    for (const auto& r : resources->items)
      if (const CaseNode* fd = r.find("fd"); fd && std::stoll(fd->text) >= 3) return true;
    return false;
  };
  Reduction result = reduce(sample_case(), keeps);
  // r0 to r3 go with their pass_fds items (a name dropped with what names it), r4 stays, lowered to 3.
  EXPECT_EQ(body_text(result.reduced), "parent:\n  resources:\n    - {name: r4, kind: devnull, fd: 3}\nspawn:\n  popen: {}\n");
}

TEST(FuzzReducer, NeverAcceptsWhatTheOracleRefusesAndEndsMinimal) {
  // An oracle with a signature: the pair (has start_new_session, number of pass_fds items) must
  // stay (true, 2); every candidate it is asked about is recorded with its answer.
  auto signature = [](const CaseNode& c) {
    const CaseNode* popen = c.find("spawn") ? c.find("spawn")->find("popen") : nullptr;
    const CaseNode* pass_fds = popen ? popen->find("pass_fds") : nullptr;
    return std::pair{popen && popen->find("start_new_session"), pass_fds ? pass_fds->items.size() : 0};
  };
  const auto wanted = signature(CaseNode::mapping(
      {{"spawn", CaseNode::mapping({{"popen", CaseNode::mapping({{"start_new_session", CaseNode::boolean(true)},
                                                                  {"pass_fds", CaseNode::sequence({CaseNode::plain("a"), CaseNode::plain("b")})}})}})}}));
  std::vector<std::pair<std::string, bool>> answers;
  auto keeps = [&](const CaseNode& c) {
    bool kept = references_resolve(c) && signature(c) == wanted;
    answers.emplace_back(body_text(c), kept);
    return kept;
  };
  std::vector<std::string> steps;
  Reduction result = reduce(sample_case(), keeps, [&](const Reduction& r) { steps.push_back(body_text(r.reduced)); });
  EXPECT_EQ(signature(result.reduced), wanted);
  ASSERT_EQ(steps.size(), result.accepted);
  for (const auto& step : steps) {
    auto answer = std::find_if(answers.begin(), answers.end(), [&](const auto& a) { return a.first == step; });
    ASSERT_NE(answer, answers.end());
    EXPECT_TRUE(answer->second) << "accepted a refused candidate:\n" << step;
  }
  // 1-minimal: no single smaller variant keeps the signature.
  for (const auto& variant : smaller_variants(result.reduced))
    EXPECT_FALSE(references_resolve(variant) && signature(variant) == wanted) << body_text(variant);
  EXPECT_EQ(result.tried, answers.size());
}

TEST(FuzzReducer, AnOracleThatKeepsNothingLeavesTheCaseAlone) {
  Reduction result = reduce(sample_case(), [](const CaseNode&) { return false; });
  EXPECT_EQ(result.reduced, sample_case());
  EXPECT_EQ(result.accepted, 0U);
  EXPECT_GT(result.tried, 10U);
}

// The scenario validator itself, as the fuzzer's oracle refuses what it refuses.
bool validates(const CaseNode& body) {
  CaseHeader header{"fuzz-0-0", "a reduced case", "for the test", {"X2"}, "test", {"fuzz"}};
  return load_scenario_text("fuzz-0-0.yaml", scenario_text(header, body), "fuzz-0-0").scenario.has_value();
}

CaseNode parse_steps_case() {
  CaseNode resources = CaseNode::sequence(
      {CaseNode::mapping({{"name", CaseNode::plain("r0")}, {"kind", CaseNode::plain("pipe")}}),
       CaseNode::mapping({{"name", CaseNode::plain("r1")}, {"kind", CaseNode::plain("file")}, {"fd", CaseNode::number(9)}})});
  auto spawn = [](const std::string& name, const std::string& kind, CaseNode block) {
    return CaseNode::mapping({{"spawn", CaseNode::mapping({{"name", CaseNode::plain(name)}, {kind, std::move(block)}})}});
  };
  CaseNode steps = CaseNode::sequence(
      {spawn("s0", "popen",
             CaseNode::mapping({{"stdin", CaseNode::mapping({{"resource", CaseNode::plain("r0.read")}})},
                                {"stdout", CaseNode::plain("pipe")},
                                {"pass_fds", CaseNode::sequence({CaseNode::plain("r0.read"), CaseNode::plain("r1")})}})),
       CaseNode::mapping({{"call", CaseNode::mapping({{"child", CaseNode::plain("s0")}, {"method", CaseNode::plain("poll")}})}}),
       CaseNode::mapping({{"together", CaseNode::sequence(
           {spawn("s1", "fork_exec",
                  CaseNode::mapping({{"steps", CaseNode::sequence({CaseNode::mapping(
                      {{"dup2", CaseNode::mapping({{"fd", CaseNode::plain("r1")}, {"to", CaseNode::number(7)}})}})})}})),
            CaseNode::mapping({{"parent", CaseNode::mapping({{"churn", CaseNode::mapping(
                {{"count", CaseNode::number(50)}, {"inheritable", CaseNode::boolean(false)}})}})}})})}}),
       CaseNode::mapping({{"parent", CaseNode::mapping({{"close", CaseNode::plain("s0.stdout")}})}}),
       CaseNode::mapping({{"wait", CaseNode::plain("s1")}})});
  return CaseNode::mapping({{"parent", CaseNode::mapping({{"resources", std::move(resources)}})}, {"steps", std::move(steps)}});
}

TEST(FuzzReducer, TheStepsCaseIsValid) { EXPECT_TRUE(validates(parse_steps_case())) << body_text(parse_steps_case()); }

// Dropping a name takes everything that names it along: the spawn s0 with the call on it and the
// parent step on its pipe; the resource r0 with the stream and pass_fds item that name its ends.
TEST(FuzzReducer, ANameGoesWithEverythingThatNamesIt) {
  const CaseNode original = parse_steps_case();
  bool without_s0 = false, without_r0 = false;
  for (const auto& variant : smaller_variants(original)) {
    const std::string text = body_text(variant);
    if (text.find("s0") == std::string::npos && text.find("name: s1") != std::string::npos) {
      without_s0 = true;
      EXPECT_TRUE(validates(variant)) << text;
      EXPECT_NE(text.find("wait: s1"), std::string::npos) << text;
    }
    if (text.find("r0") == std::string::npos && text.find("name: s0") != std::string::npos) {
      without_r0 = true;
      EXPECT_TRUE(validates(variant)) << text;
      EXPECT_NE(text.find("pass_fds: [r1]"), std::string::npos) << text;
    }
  }
  EXPECT_TRUE(without_s0);
  EXPECT_TRUE(without_r0);
}

TEST(FuzzReducer, ATogetherStepIsFlattenedIntoItsEntries) {
  bool flattened = false;
  for (const auto& variant : smaller_variants(parse_steps_case())) {
    const std::string text = body_text(variant);
    if (text.find("together") != std::string::npos || text.find("churn") == std::string::npos) continue;
    if (text.find("name: s1") == std::string::npos) continue;
    flattened = true;
    EXPECT_TRUE(validates(variant)) << text;
  }
  EXPECT_TRUE(flattened);
}

// With the validator as part of the oracle, a steps case whose "difference" is a child dup2 onto an fd
// above 2 reduces to that one spawn step, its fd renumbered down to 3, the threads gone.
TEST(FuzzReducer, AStepsCaseReducesToTheStepThatMatters) {
  auto keeps = [](const CaseNode& c) {
    if (!validates(c)) return false;
    const std::string text = body_text(c);
    auto at = text.find("dup2: {fd: r1, to: ");
    return at != std::string::npos && std::stoll(text.substr(at + 19)) >= 3;
  };
  Reduction result = reduce(parse_steps_case(), keeps);
  EXPECT_EQ(body_text(result.reduced),
            "parent:\n"
            "  resources:\n"
            "    - {name: r1, kind: file}\n"
            "steps:\n"
            "  - {spawn: {name: s1, fork_exec: {steps: [{dup2: {fd: r1, to: 3}}]}}}\n");
}

}  // namespace
}  // namespace fdconform::fuzz
