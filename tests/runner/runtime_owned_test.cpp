// A runtime's own start-up state is left out of the parent fields on both sides, never out of the child's.
#include <gtest/gtest.h>

#include "diff/verdict.hpp"
#include "normalize/runtime_owned.hpp"

namespace fdconform {
namespace {

DeclaredRuntimeState owned_from(const char* text) {
  return declared_runtime_state(nlohmann::json{{"runtime_owned", nlohmann::json::parse(text)}});
}

TEST(RuntimeOwned, FdsSignalsAndMembersLeaveTheParentFieldsOnly) {
  Observation fields = {{"parent.fds", "0,1,2,5,15"},       {"parent.fd.5", "pipe rdonly"},
                        {"parent.fd.15", "epoll rdwr cloexec"}, {"parent.fd.15.shares", "fd.16"},
                        {"parent.signals.caught", "SIGINT,SIGUSR1"}, {"parent.umask", "022"},
                        // parent_after.fds names fds by identity, as the normalizer writes it: the
                        // runtime's epoll fd is one "unknown:epoll", the scenario's fd 7 another.
                        {"parent_after.fds", "parent.stdin,unknown:epoll,unknown:epoll"},
                        {"parent_after.fd.7", "unknown:epoll rdwr"}, {"parent_after.fd.15", "unknown:epoll rdwr cloexec"},
                        {"child.fds", "0,1,2,15"},            {"child.fd.15", "epoll rdwr"},
                        {"child.signals.caught", "SIGUSR1"}, {"parent.signals.libc_internal_caught", "SIG33"}};
  auto out = without_runtime_owned(fields, owned_from(R"({"fds": [15], "signals": ["SIGUSR1", "SIG33"], "process": ["umask"]})"));
  EXPECT_EQ(out["parent.fds"], "0,1,2,5");
  EXPECT_EQ(out.count("parent.fd.15"), 0u);
  EXPECT_EQ(out.count("parent.fd.15.shares"), 0u);
  EXPECT_EQ(out["parent.fd.5"], "pipe rdonly");
  EXPECT_EQ(out["parent.signals.caught"], "SIGINT");
  EXPECT_EQ(out.count("parent.umask"), 0u);
  EXPECT_EQ(out.count("parent.signals.libc_internal_caught"), 0u);  // absent when empty, as the normalizer writes it
  EXPECT_EQ(out["parent_after.fds"], "parent.stdin,unknown:epoll");  // one name per owned fd leaves
  EXPECT_EQ(out.count("parent_after.fd.15"), 0u);
  EXPECT_EQ(out["parent_after.fd.7"], "unknown:epoll rdwr");
  // A leak into the child is the observation: untouched.
  EXPECT_EQ(out["child.fds"], "0,1,2,15");
  EXPECT_EQ(out["child.fd.15"], "epoll rdwr");
  EXPECT_EQ(out["child.signals.caught"], "SIGUSR1");
}

TEST(RuntimeOwned, TheParentCheckIgnoresARuntimesOwnStateButNotTheScenarios) {
  CellObservation reference, column;
  reference.status = column.status = CellObservation::Status::ran;
  reference.parent_state = {{"parent.fds", "0,1,2,5"}, {"parent.fd.0", "parent.stdin rdonly"}};
  column.parent_state = {{"parent.fds", "1,2,5,15"}, {"parent.fd.15", "epoll rdwr cloexec"}};
  auto differs = [&] { return !parent_state_differences(reference, column).empty(); };
  EXPECT_TRUE(differs());  // without the declaration, the runtime's fds fail the check
  column.runtime_owned = owned_from(R"({"fds": [0, 15]})");
  EXPECT_FALSE(differs());
  column.parent_state["parent.fd.5"] = "pipe wronly";  // the scenario's own fd still counts
  EXPECT_TRUE(differs());
}

// A scenario fd whose close-on-exec flag the runtime turned over at start-up keeps every field, the
// flag turned back in both snapshots: a spawn that leaves it alone matches, one that changes it shows.
TEST(RuntimeOwned, AReflaggedScenarioFdIsSeenWithTheScenariosFlag) {
  const auto owned = owned_from(R"({"fds": [], "reflagged_fds": [0, 5]})");
  Observation fields = {{"parent.fd.0", "parent.stdin rdonly cloexec"}, {"parent.fd.5", "p.read rdonly cloexec"},
                        {"parent.fd.6", "p.write wronly cloexec"},      {"parent_after.fd.5", "p.read rdonly cloexec"},
                        {"parent_after.fd.5.offset", "0"},               {"child.fd.5", "p.read rdonly"}};
  auto out = without_runtime_owned(fields, owned);
  EXPECT_EQ(out["parent.fd.0"], "parent.stdin rdonly");
  EXPECT_EQ(out["parent.fd.5"], "p.read rdonly");
  EXPECT_EQ(out["parent.fd.6"], "p.write wronly cloexec");  // not re-flagged: as it is
  EXPECT_EQ(out["parent_after.fd.5"], "p.read rdonly");
  EXPECT_EQ(out["parent_after.fd.5.offset"], "0");
  EXPECT_EQ(out["child.fd.5"], "p.read rdonly");
  fields["parent_after.fd.5"] = "p.read rdonly";  // the spawn cleared the runtime's flag
  EXPECT_EQ(without_runtime_owned(fields, owned)["parent_after.fd.5"], "p.read rdonly cloexec");

  // In a comparison each side's re-flagged fds are its own: the reference's flag stays as it is.
  CellObservation reference, column;
  reference.status = column.status = CellObservation::Status::ran;
  reference.parent_state = {{"parent.fd.5", "p.read rdonly"}};
  column.parent_state = {{"parent.fd.5", "p.read rdonly cloexec"}};
  EXPECT_FALSE(parent_state_differences(reference, column).empty());
  column.runtime_owned = owned;
  EXPECT_TRUE(parent_state_differences(reference, column).empty());
  reference.parent_state["parent.fd.5"] = "p.read rdonly cloexec";  // the scenario's own flag on the reference
  EXPECT_FALSE(parent_state_differences(reference, column).empty());
}

TEST(RuntimeOwned, AMalformedDeclarationIsRefusedWithWhatWasExpected) {
  auto message_of = [](const char* owned) {
    try {
      owned_from(owned);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message_of(R"({"fds": ["5"]})").find("expected a list of fd numbers"), std::string::npos);
  EXPECT_NE(message_of(R"({"signals": [1]})").find("expected a list of names"), std::string::npos);
  EXPECT_NE(message_of(R"({"process": ["fds"]})").find("their own lists"), std::string::npos);
  EXPECT_NE(message_of(R"({"reflagged_fds": [true]})").find("expected a list of fd numbers"), std::string::npos);
  EXPECT_NE(message_of(R"([5])").find("expected an object"), std::string::npos);
  EXPECT_TRUE(declared_runtime_state(nlohmann::json::object()).empty());
}

}  // namespace
}  // namespace fdconform
