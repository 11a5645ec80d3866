#include <gtest/gtest.h>

#include "normalize/normalizer.hpp"

namespace fdconform {
namespace {

nlohmann::json fd(int n, const char* kind, const char* access, int ino, int ofd, nlohmann::json flags = nlohmann::json::array()) {
  return {{"fd", n}, {"kind", kind}, {"access", access}, {"flags", flags}, {"cloexec", false}, {"offset", 0},
          {"dev", 8}, {"ino", ino}, {"path", "/w/x"}, {"ofd", ofd}};
}

// A scenario parent with stdio, a file "log" at 7 and a pipe p at 5/6; the child got log at 3
// (dup'ed, sharing with 4), the pipe's read end at 5, and a pipe the spawn created at 1.
nlohmann::json hand_made_result() {
  nlohmann::json parent = {
      {"pid", 100}, {"sid", 50}, {"pgid", 50}, {"umask", "022"}, {"cwd", "/tmp/run/cell-1"},
      {"uid", 0}, {"euid", 0}, {"gid", 0}, {"egid", 0}, {"groups", {0}},
      {"signals", {{"ignored", {"SIGPIPE"}}, {"caught", {"SIGINT"}}, {"blocked", nlohmann::json::array()}}},
      {"env", {"PATH=/bin", "W=/tmp/run/cell-1"}},
      {"fds", {fd(0, "file", "rdonly", 10, 0), fd(1, "file", "wronly", 11, 1), fd(2, "file", "wronly", 12, 2),
               fd(5, "pipe", "rdonly", 20, 3), fd(6, "pipe", "wronly", 20, 4), fd(7, "file", "rdwr", 30, 5),
               fd(1023, "pipe", "wronly", 99, 6)}},
      {"resources", {{"parent.stdin", 0}, {"parent.stdout", 1}, {"parent.stderr", 2}, {"p.read", 5}, {"p.write", 6}, {"log", 7}}}};
  nlohmann::json probe = {
      {"pid", 200}, {"sid", 200}, {"pgid", 50}, {"umask", "077"}, {"cwd", "/tmp/run/cell-1/sub"},
      {"uid", 0}, {"euid", 0}, {"gid", 0}, {"egid", 0}, {"groups", {0}},
      {"signals", {{"ignored", nlohmann::json::array()}, {"caught", nlohmann::json::array()}, {"blocked", {"SIGHUP", "SIGUSR1"}}}},
      {"env", {"PATH=/bin", "P=/opt/b/fdconform-probe"}},
      {"fds", {fd(0, "file", "rdonly", 10, 0), fd(1, "pipe", "wronly", 77, 1), fd(2, "file", "wronly", 12, 2),
               fd(3, "file", "rdwr", 30, 3, {"nonblock", "append"}), fd(4, "file", "rdwr", 30, 3),
               fd(5, "pipe", "rdonly", 20, 4)}}};
  probe["fds"][3]["offset"] = 2;
  return {{"result", 1}, {"status", "ran"},
          {"outcome", {{"kind", "exited"}, {"returncode", 0}}},
          {"parent", parent}, {"probe", probe},
          {"parent_after", {{"fds", {fd(0, "file", "rdonly", 10, 0), fd(7, "file", "rdwr", 30, 5), fd(9, "pipe", "rdonly", 77, 6), fd(1023, "pipe", "wronly", 99, 7)}}}}};
}

const PathSubstitution paths{"/tmp/run/cell-1", "/opt/b/fdconform-probe"};

TEST(Normalize, NamesChildFdsByParentResource) {
  auto o = normalize_result(hand_made_result(), paths);
  EXPECT_EQ(o["child.fds"], "0,1,2,3,4,5");
  EXPECT_EQ(o["child.fd.0"], "parent.stdin rdonly");
  EXPECT_EQ(o["child.fd.1"], "popen.pipe wronly");
  EXPECT_EQ(o["child.fd.3"], "log rdwr append nonblock");  // flags in the fixed order
  EXPECT_EQ(o["child.fd.3.offset"], "2");
  EXPECT_EQ(o["child.fd.4.shares"], "fd.3");
  EXPECT_EQ(o.count("child.fd.3.shares"), 0u);
  EXPECT_EQ(o["child.fd.5"], "p.read rdonly");
  EXPECT_EQ(o.count("child.fd.5.offset"), 0u);  // offsets for files only
}

// A file from outside the workdir (a runtime's own module left on fd 6) has no offset field: where
// its reader stopped is that file's size, not something the spawn did. A file a file action made in
// the workdir keeps it.
TEST(Normalize, AFileTheScenarioDidNotNameHasNoOffset) {
  auto r = hand_made_result();
  r["probe"]["fds"].push_back(fd(6, "file", "rdonly", 555, 9));
  r["probe"]["fds"][6]["offset"] = 24154;
  r["probe"]["fds"][6]["path"] = "/usr/share/perl/5.36/strict.pm";
  r["probe"]["fds"].push_back(fd(8, "file", "wronly", 556, 10));  // a file action's, in the workdir
  r["probe"]["fds"][7]["path"] = "/tmp/run/cell-1/action0.txt";
  auto o = normalize_result(r, paths);
  EXPECT_EQ(o["child.fd.6"], "unknown:file rdonly");
  EXPECT_EQ(o.count("child.fd.6.offset"), 0u);
  EXPECT_EQ(o["child.fd.8.offset"], "0");
  EXPECT_EQ(o["child.fd.3.offset"], "2");  // log, a resource, keeps it
}

TEST(Normalize, PidsBecomeRelationsAndPathsPlaceholders) {
  auto o = normalize_result(hand_made_result(), paths);
  EXPECT_EQ(o["child.session"], "self");
  EXPECT_EQ(o["child.pgroup"], "parent");
  EXPECT_EQ(o["child.cwd"], "{workdir}/sub");
  EXPECT_EQ(o["child.env"], "PATH=/bin\nP={probe}");
  EXPECT_EQ(o["child.uid"], "parent");
  EXPECT_EQ(o["child.groups"], "parent");
  EXPECT_EQ(o["child.umask"], "077");
  EXPECT_EQ(o["child.signals.blocked"], "SIGHUP,SIGUSR1");
  EXPECT_EQ(o["child.signals.ignored"], "");
  EXPECT_EQ(o["outcome"], "exited 0");
  for (const auto& [field, value] : o) {
    EXPECT_EQ(value.find("200"), std::string::npos) << field;  // no raw pid
    EXPECT_EQ(value.find("/tmp/run"), std::string::npos) << field;
  }
}

TEST(Normalize, ParentAfterNamesWhatTheParentKept) {
  auto o = normalize_result(hand_made_result(), paths);
  EXPECT_EQ(o["parent_after.fds"], "parent.stdin,log,popen.pipe");  // the result channel is left out
}

TEST(Normalize, ParentAfterIsAFullSnapshotComparedWithTheParentBefore) {
  auto r = hand_made_result();
  nlohmann::json after = r["parent"];
  after.erase("resources");
  after["fds"] = r["parent_after"]["fds"];
  after["children"] = nlohmann::json::array();
  r["parent_after"] = after;
  auto o = normalize_result(r, paths);
  EXPECT_EQ(o["parent_after.fds"], "parent.stdin,log,popen.pipe");
  EXPECT_EQ(o["parent_after.fd.9"], "popen.pipe rdonly");
  EXPECT_EQ(o.count("parent_after.fd.1023"), 0u);  // the result channel
  for (const char* field : {"parent_after.umask", "parent_after.cwd", "parent_after.env", "parent_after.signals.ignored",
                            "parent_after.signals.caught", "parent_after.uid", "parent_after.groups", "parent_after.sid"})
    EXPECT_EQ(o[field], "unchanged") << field;
  EXPECT_EQ(o["parent_after.children"], "");

  // A spawn that changed the parent's own state, or left children behind.
  r["parent_after"]["umask"] = "077";
  r["parent_after"]["signals"]["ignored"] = {"SIGPIPE", "SIGCHLD"};
  r["parent_after"]["env"] = {"PATH=/bin", "W=/tmp/run/cell-1", "LEAK=/tmp/run/cell-1/x"};
  r["parent_after"]["children"] = {{{"pid", 301}, {"state", "S"}}, {{"pid", 300}, {"state", "Z"}}};
  o = normalize_result(r, paths);
  EXPECT_EQ(o["parent_after.umask"], "077");
  EXPECT_EQ(o["parent_after.signals.ignored"], "SIGPIPE,SIGCHLD");
  EXPECT_EQ(o["parent_after.env"], "PATH=/bin\nW={workdir}\nLEAK={workdir}/x");
  EXPECT_EQ(o["parent_after.children"], "running,zombie");
  EXPECT_EQ(o["parent_after.signals.caught"], "unchanged");
}

TEST(Normalize, OutcomesOfEachKind) {
  auto r = hand_made_result();
  r["outcome"] = {{"kind", "signaled"}, {"returncode", -9}};
  EXPECT_EQ(normalize_result(r, paths)["outcome"], "signaled SIGKILL");
  r["outcome"] = {{"kind", "exception"}, {"error_class", "FileNotFoundError"}, {"errno", 2}, {"errno_name", "ENOENT"},
                  {"filename", "/tmp/run/cell-1/nope"}};
  r["probe"] = nullptr;
  auto o = normalize_result(r, paths);
  EXPECT_EQ(o["outcome"], "exception");
  EXPECT_EQ(o["outcome.error_class"], "FileNotFoundError");
  EXPECT_EQ(o["outcome.errno"], "ENOENT");
  EXPECT_EQ(o["outcome.filename"], "{workdir}/nope");
  EXPECT_EQ(o.count("child.fds"), 0u);
}

TEST(Normalize, TheErrorClassIsAFieldApartFromHowTheCallEnded) {
  auto r = hand_made_result();
  r["probe"] = nullptr;
  // Two runtimes that both raised with ENOENT, each naming its own class: only error_class differs.
  r["outcome"] = {{"kind", "exception"}, {"error_class", "FileNotFoundError"}, {"errno", 2}, {"errno_name", "ENOENT"}};
  auto python = normalize_result(r, paths);
  r["outcome"]["error_class"] = "io::ErrorKind::NotFound";
  auto other = normalize_result(r, paths);
  EXPECT_EQ(python["outcome"], other["outcome"]);
  EXPECT_EQ(python["outcome.errno"], other["outcome.errno"]);
  EXPECT_EQ(other["outcome.error_class"], "io::ErrorKind::NotFound");
  // A runtime that names no class leaves the field out; an exited child never has one.
  r["outcome"]["error_class"] = nullptr;
  EXPECT_EQ(normalize_result(r, paths).count("outcome.error_class"), 0u);
  r["outcome"] = {{"kind", "exited"}, {"returncode", 0}, {"error_class", nullptr}};
  EXPECT_EQ(normalize_result(r, paths).count("outcome.error_class"), 0u);
}

TEST(Normalize, TheFormerExceptionMemberIsRefusedWithItsNewName) {
  auto r = hand_made_result();
  r["probe"] = nullptr;
  r["outcome"] = {{"kind", "exception"}, {"exception", "FileNotFoundError"}, {"errno_name", "ENOENT"}};
  try {
    normalize_result(r, paths);
    FAIL() << "an outcome with an \"exception\" member was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"error_class\""), std::string::npos) << e.what();
  }
}

TEST(Normalize, ExceptionTextIsComparedWithRunPathsReplaced) {
  auto r = hand_made_result();
  r["outcome"] = {{"kind", "exception"}, {"error_class", "FileNotFoundError"}, {"errno", 2}, {"errno_name", "ENOENT"},
                  {"filename", "/tmp/run/cell-1/a"}, {"filename2", "/tmp/run/cell-1/b"},
                  {"strerror", "No such file or directory: '/tmp/run/cell-1/a'"},
                  {"message", "[Errno 2] No such file or directory: '/tmp/run/cell-1/a' -> '/tmp/run/cell-1/b'"}};
  r["probe"] = nullptr;
  auto o = normalize_result(r, paths);
  EXPECT_EQ(o["outcome.filename2"], "{workdir}/b");
  EXPECT_EQ(o["outcome.strerror"], "No such file or directory: '{workdir}/a'");
  EXPECT_EQ(o["outcome.message"], "[Errno 2] No such file or directory: '{workdir}/a' -> '{workdir}/b'");

  // An argument error has a message and nothing else.
  r["outcome"] = {{"kind", "exception"}, {"error_class", "ValueError"}, {"errno", nullptr}, {"filename", nullptr},
                  {"filename2", nullptr}, {"strerror", nullptr}, {"message", "bad value(s) in fds_to_keep"}};
  o = normalize_result(r, paths);
  EXPECT_EQ(o["outcome.message"], "bad value(s) in fds_to_keep");
  EXPECT_EQ(o.count("outcome.strerror"), 0u);
  EXPECT_EQ(o.count("outcome.filename2"), 0u);
}

TEST(Normalize, ChildArgvWithoutTheDriversReportArgument) {
  auto r = hand_made_result();
  r["probe"]["argv"] = {"/opt/b/fdconform-probe", "--report=x", "/tmp/run/cell-1/in", "--report=/tmp/run/cell-1/probe.json"};
  // Only the last argument is the driver's: a scenario's own "--report=x" stays.
  EXPECT_EQ(normalize_result(r, paths)["child.argv"], "{probe}\n--report=x\n{workdir}/in");
  r["probe"]["argv"] = nlohmann::json::array();
  EXPECT_EQ(normalize_result(r, paths)["child.argv"], "");
}

TEST(Normalize, ParentIdsInArgvAndEnvReadBackAsPlaceholders) {
  auto r = hand_made_result();  // parent pid 100, pgid 50, sid 50
  r["parent"]["sid"] = 40;
  r["probe"]["argv"] = {"/opt/b/fdconform-probe", "100", "g=50", "s40", "1000", "x100y", "--report=/tmp/run/cell-1/p"};
  r["probe"]["env"] = {"PARENT=100", "OTHER=10"};
  auto o = normalize_result(r, paths);
  // Whole numbers only: 1000 is not the pid followed by a zero.
  EXPECT_EQ(o["child.argv"], "{probe}\n{parent_pid}\ng={parent_pgid}\ns{parent_sid}\n1000\nx{parent_pid}y");
  EXPECT_EQ(o["child.env"], "PARENT={parent_pid}\nOTHER=10");
}

// The scenario's id is plumbing, not a value of the run: a fuzz case numbered like the scenario
// parent's pid (fuzz-41-100 run by pid 100) keeps its id, and the same number elsewhere is the pid.
TEST(Normalize, TheScenarioIdInTheEnvironmentIsNeverAPlaceholder) {
  auto r = hand_made_result();  // parent pid 100
  r["probe"]["env"] = {"FDCONFORM_SCENARIO=fuzz-41-100", "PARENT=100"};
  EXPECT_EQ(normalize_result(r, paths)["child.env"], "FDCONFORM_SCENARIO=fuzz-41-100\nPARENT={parent_pid}");
}

// In a pid namespace whose session leader is outside, getsid answers 0 (CI
// runs there): a one-digit id reads back only where it stands alone.
TEST(Normalize, AOneDigitParentIdReadsBackOnlyWhereItStandsAlone) {
  auto r = hand_made_result();
  r["parent"]["sid"] = 0;
  r["probe"]["argv"] = {"/opt/b/fdconform-probe", "renamed-argv0", "sid=0", "0", "x0y", "10", "--report=/tmp/run/c/p"};
  r["probe"]["env"] = {"FDCONFORM_SCENARIO=exec-empty-argv0-close-fds", "SID=0"};
  auto o = normalize_result(r, paths);
  EXPECT_EQ(o["child.argv"], "{probe}\nrenamed-argv0\nsid={parent_sid}\n{parent_sid}\nx0y\n10");
  EXPECT_EQ(o["child.env"], "FDCONFORM_SCENARIO=exec-empty-argv0-close-fds\nSID={parent_sid}");
}

TEST(Normalize, ARuntimeOwnedEnvironmentIsLeftOutOfTheParentState) {
  auto result = hand_made_result();
  EXPECT_EQ(normalize_parent_state(result, paths).count("parent.env"), 1u);
  auto owned = normalize_parent_state(result, paths, RuntimeOwned{true});
  EXPECT_EQ(owned.count("parent.env"), 0u);
  EXPECT_EQ(owned.count("parent.umask"), 1u);  // everything else is still the scenario's
}

TEST(Normalize, PipeCapacityOfEveryPipeFd) {
  auto r = hand_made_result();
  r["probe"]["fds"][1]["pipe_size"] = 262144;
  r["probe"]["fds"][5]["pipe_size"] = 65536;
  auto o = normalize_result(r, paths);
  EXPECT_EQ(o["child.fd.1.pipe_size"], "262144");
  EXPECT_EQ(o["child.fd.5.pipe_size"], "65536");
  EXPECT_EQ(o.count("child.fd.0.pipe_size"), 0u);
}

TEST(Normalize, MalformedResultsThrowInsteadOfGuessing) {
  auto r = hand_made_result();
  r["outcome"] = {{"kind", "vanished"}};
  EXPECT_THROW(normalize_result(r, paths), std::runtime_error);
  EXPECT_THROW(normalize_result(nlohmann::json::array(), paths), std::runtime_error);
  EXPECT_THROW(normalize_parent_state(nlohmann::json::object(), paths), std::runtime_error);
}

TEST(Normalize, NofileLimitsAreRelativeToTheParent) {
  auto result = hand_made_result();
  result["parent"]["rlimit_nofile"] = {{"soft", 64}, {"hard", 524288}};
  result["probe"]["rlimit_nofile"] = {{"soft", 64}, {"hard", 524288}};
  auto same = normalize_result(result, paths);
  EXPECT_EQ(same["child.rlimit_nofile.soft"], "parent");
  EXPECT_EQ(same["child.rlimit_nofile.hard"], "parent");

  // A child that got its soft limit raised (or restored) by the spawner, and no hard limit at all.
  result["probe"]["rlimit_nofile"] = {{"soft", 1024}, {"hard", nullptr}};
  auto changed = normalize_result(result, paths);
  EXPECT_EQ(changed["child.rlimit_nofile.soft"], "1024");
  EXPECT_EQ(changed["child.rlimit_nofile.hard"], "unlimited");

  auto p = normalize_parent_state(result, paths);
  EXPECT_EQ(p["parent.rlimit_nofile.soft"], "64");
  EXPECT_EQ(p["parent.rlimit_nofile.hard"], "524288");
}

TEST(Normalize, ParentStateCarriesWhatTwoParentsMustShare) {
  auto p = normalize_parent_state(hand_made_result(), paths);
  EXPECT_EQ(p["parent.fds"], "0,1,2,5,6,7");
  EXPECT_EQ(p["parent.fd.7"], "log rdwr");
  EXPECT_EQ(p["parent.umask"], "022");
  EXPECT_EQ(p["parent.signals.caught"], "SIGINT");
  EXPECT_EQ(p["parent.cwd"], "{workdir}");
}

// A steps result built from the hand-made one: two spawns, the second after the first's pipe
// end (fd 9) became a resource, and three other steps.
nlohmann::json hand_made_steps_result() {
  nlohmann::json single = hand_made_result();
  nlohmann::json parent = single["parent"];
  nlohmann::json later_parent = parent;
  later_parent["fds"].push_back(fd(9, "pipe", "wronly", 77, 7));
  later_parent["resources"]["first.stdin"] = 9;
  nlohmann::json first_probe = single["probe"];
  nlohmann::json second_probe = single["probe"];
  second_probe["pid"] = 201;
  second_probe["argv"] = {"/opt/b/fdconform-probe", "first=200", "p=100", "--report=/tmp/run/cell-1/probe-second.json"};
  second_probe["fds"] = {fd(0, "file", "rdonly", 10, 0), fd(9, "pipe", "wronly", 77, 1)};
  return {{"result", 1}, {"status", "ran"}, {"outcome", nullptr}, {"probe", nullptr}, {"parent", parent},
          {"spawns", {{{"name", "first"}, {"pid", 200}, {"outcome", {{"kind", "signaled"}, {"returncode", -15}}},
                       {"parent", parent}, {"probe", first_probe}},
                      {{"name", "second"}, {"pid", 201},
                       {"outcome", {{"kind", "exception"}, {"error_class", "OSError"}, {"errno_name", "EBADF"},
                                    {"message", "[Errno 9] Bad file descriptor"}}},
                       {"parent", later_parent}, {"probe", second_probe}}}},
          {"steps", {nullptr, {{"returned", nullptr}}, nullptr, {{"raised", {{"error_class", "ProcessLookupError"}, {"errno_name", "ESRCH"}}}},
                     {{"returned", {{"stdout", 0}, {"stderr", nullptr}}}}, {{"returned", true}}}},
          {"parent_after", single["parent_after"]}};
}

TEST(NormalizeSteps, EachChildUnderItsNameWithFdsNamedByItsOwnParentSnapshot) {
  auto o = normalize_result(hand_made_steps_result(), paths);
  EXPECT_EQ(o.count("outcome"), 0u);
  EXPECT_EQ(o.count("child.fds"), 0u);
  EXPECT_EQ(o["first.outcome"], "signaled SIGTERM");
  EXPECT_EQ(o["first.fds"], "0,1,2,3,4,5");
  EXPECT_EQ(o["first.fd.3"], "log rdwr append nonblock");
  EXPECT_EQ(o["first.session"], "self");
  EXPECT_EQ(o["second.outcome"], "exception");
  EXPECT_EQ(o["second.outcome.error_class"], "OSError");
  EXPECT_EQ(o["second.outcome.errno"], "EBADF");
  EXPECT_EQ(o["second.outcome.message"], "[Errno 9] Bad file descriptor");
  // fd 9 is a resource only in the snapshot taken right before the second spawn.
  EXPECT_EQ(o["second.fd.9"], "first.stdin wronly");
}

TEST(NormalizeSteps, EarlierChildPidsReadBackAsPlaceholders) {
  auto o = normalize_result(hand_made_steps_result(), paths);
  EXPECT_EQ(o["second.argv"], "{probe}\nfirst={pid:first}\np={parent_pid}");
}

TEST(NormalizeSteps, StepResultsAreNumberedFromOneAndSpawnStepsHaveNone) {
  auto o = normalize_result(hand_made_steps_result(), paths);
  EXPECT_EQ(o.count("step.1"), 0u);
  EXPECT_EQ(o["step.2"], "returned None");
  EXPECT_EQ(o.count("step.3"), 0u);
  EXPECT_EQ(o["step.4"], "raised ESRCH");
  EXPECT_EQ(o["step.4.error_class"], "ProcessLookupError");
  EXPECT_EQ(o.count("step.2.error_class"), 0u);
  EXPECT_EQ(o["step.5"], "returned stdout=0 stderr=None");
  EXPECT_EQ(o["step.6"], "returned true");
}

TEST(NormalizeSteps, ATogetherStepGivesOneFieldPerThreadStep) {
  auto result = hand_made_steps_result();
  result["steps"].push_back({nullptr, {{"returned", 300}}, {{"raised", {{"error_class", "OSError"}, {"errno_name", "EBADF"}}}}});
  auto o = normalize_result(result, paths);
  EXPECT_EQ(o.count("step.7"), 0u);
  EXPECT_EQ(o.count("step.7.1"), 0u);
  EXPECT_EQ(o["step.7.2"], "returned 300");
  EXPECT_EQ(o["step.7.3"], "raised EBADF");
  EXPECT_EQ(o["step.7.3.error_class"], "OSError");
}

TEST(NormalizeSteps, ARaisedStepWithTheFormerExceptionMemberIsAnError) {
  auto result = hand_made_steps_result();
  result["steps"][3] = {{"raised", {{"exception", "ProcessLookupError"}, {"errno_name", "ESRCH"}}}};
  EXPECT_THROW(normalize_result(result, paths), std::runtime_error);
}

TEST(NormalizeSteps, AStepResultOfUnknownShapeIsAnError) {
  auto result = hand_made_steps_result();
  result["steps"][1] = {{"printed", 1}};
  EXPECT_THROW(normalize_result(result, paths), std::runtime_error);
}

}  // namespace
}  // namespace fdconform
