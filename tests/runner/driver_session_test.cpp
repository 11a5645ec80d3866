// DriverSession against fake drivers that hang, crash and break the protocol. Every wait in these
// tests is bounded by the session's own timeouts, so a broken session fails the test instead of hanging it.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include "session/driver_session.hpp"

namespace fdconform {
namespace {

DriverDescriptor fake(const std::string& mode) {
  return {"fake-" + mode, {"/usr/bin/python3", std::string(RUNNER_TESTS_DIR) + "/fake_drivers/fake_driver.py", mode}, {}};
}

nlohmann::json request() {
  return {{"scenario", {{"id", "s"}}}, {"workdir", "/tmp/x"}, {"probe", "/p"}, {"timeout_ms", 1000}, {"variant", nlohmann::json::object()}};
}

TEST(DriverSession, ExchangesWithAWellBehavedDriver) {
  DriverSession session(fake("ok"), -1);
  ASSERT_TRUE(session.start(std::chrono::seconds(30))) << session.last_error();
  EXPECT_EQ(session.hello().name, "Fake");
  EXPECT_EQ(session.hello().features, (std::vector<std::string>{"posix_spawn", "umask"}));
  for (int i = 1; i <= 3; ++i) {  // warm: several requests on one process
    auto ex = session.exchange(request(), std::chrono::seconds(30));
    ASSERT_TRUE(ex.ok) << ex.error;
    EXPECT_EQ(ex.result["result"], 1);
    EXPECT_EQ(ex.result["scenario"], "s") << i;
  }
}

TEST(DriverSession, TimeoutKillsTheDriver) {
  DriverSession session(fake("hang"), -1);
  ASSERT_TRUE(session.start(std::chrono::seconds(30))) << session.last_error();
  auto ex = session.exchange(request(), std::chrono::milliseconds(300));
  EXPECT_FALSE(ex.ok);
  EXPECT_NE(ex.error.find("timed out after 300 ms"), std::string::npos) << ex.error;
  EXPECT_FALSE(session.alive());
}

TEST(DriverSession, CrashIsReportedWithItsSignal) {
  DriverSession session(fake("crash"), -1);
  ASSERT_TRUE(session.start(std::chrono::seconds(30))) << session.last_error();
  auto ex = session.exchange(request(), std::chrono::seconds(30));
  EXPECT_FALSE(ex.ok);
  EXPECT_NE(ex.error.find("killed by signal SIGSEGV"), std::string::npos) << ex.error;
}

TEST(DriverSession, GarbageAndWrongNumbersAreProtocolViolations) {
  for (const char* mode : {"garbage", "wrong-number"}) {
    DriverSession session(fake(mode), -1);
    ASSERT_TRUE(session.start(std::chrono::seconds(30))) << session.last_error();
    auto ex = session.exchange(request(), std::chrono::seconds(30));
    EXPECT_FALSE(ex.ok);
    EXPECT_NE(ex.error.find("protocol violation"), std::string::npos) << ex.error;
    EXPECT_FALSE(session.alive());
  }
}

TEST(DriverSession, BadOrMissingHelloFailsTheStart) {
  DriverSession bad(fake("bad-hello"), -1);
  EXPECT_FALSE(bad.start(std::chrono::seconds(30)));
  EXPECT_NE(bad.last_error().find("expected a hello line"), std::string::npos) << bad.last_error();
  DriverSession silent(fake("no-hello"), -1);
  EXPECT_FALSE(silent.start(std::chrono::milliseconds(300)));
  EXPECT_NE(silent.last_error().find("no hello line within the time limit"), std::string::npos) << silent.last_error();
}

TEST(DriverSession, MissingExecutableIsNamed) {
  DriverSession session({"ghost", {"/nonexistent/python9"}, {}}, -1);
  EXPECT_FALSE(session.start(std::chrono::seconds(1)));
  EXPECT_EQ(session.last_error(), "driver ghost: executable not found: /nonexistent/python9");
}

TEST(DriverSession, InterruptFdStopsAWait) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  DriverSession session(fake("hang"), p[0]);
  ASSERT_TRUE(session.start(std::chrono::seconds(30))) << session.last_error();
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  auto ex = session.exchange(request(), std::chrono::seconds(60));
  EXPECT_FALSE(ex.ok);
  EXPECT_NE(ex.error.find("interrupted"), std::string::npos) << ex.error;
  ::close(p[0]);
  ::close(p[1]);
}

}  // namespace
}  // namespace fdconform
