// SpawnError renders what str(OSError) prints and picks CPython's class.
#include <cerrno>

#include <gtest/gtest.h>

#include "spawn_core/spawn_error.hpp"

using spawn_core::FailedStep;
using spawn_core::SpawnError;

TEST(SpawnErrorMessage, WithFilenameQuotesLikePythonRepr) {
  SpawnError error(FailedStep::exec, ENOENT, std::string("nope"));
  EXPECT_STREQ(error.what(), "[Errno 2] No such file or directory: 'nope'");
  EXPECT_EQ(error.python_type(), "FileNotFoundError");
  EXPECT_EQ(error.error_number(), ENOENT);
}

TEST(SpawnErrorMessage, WithoutFilename) {
  SpawnError error(FailedStep::noexec, EBADF, std::nullopt);
  EXPECT_STREQ(error.what(), "[Errno 9] Bad file descriptor");
  EXPECT_EQ(error.python_type(), "OSError");
  EXPECT_FALSE(error.filename().has_value());
}

TEST(SpawnErrorMessage, ReprSwitchesQuotesAndEscapes) {
  EXPECT_STREQ(SpawnError(FailedStep::exec, ENOENT, std::string("it's")).what(),
               "[Errno 2] No such file or directory: \"it's\"");
  EXPECT_STREQ(SpawnError(FailedStep::exec, ENOENT, std::string("a\tb\\")).what(),
               "[Errno 2] No such file or directory: 'a\\tb\\\\'");
  EXPECT_STREQ(SpawnError(FailedStep::exec, ENOENT, std::string("caf\xc3\xa9")).what(),
               "[Errno 2] No such file or directory: 'caf\xc3\xa9'");
}

TEST(SpawnErrorMessage, Pep3151Classes) {
  EXPECT_EQ(spawn_core::python_oserror_type(EACCES), "PermissionError");
  EXPECT_EQ(spawn_core::python_oserror_type(EPERM), "PermissionError");
  EXPECT_EQ(spawn_core::python_oserror_type(ENOTDIR), "NotADirectoryError");
  EXPECT_EQ(spawn_core::python_oserror_type(EISDIR), "IsADirectoryError");
  EXPECT_EQ(spawn_core::python_oserror_type(EAGAIN), "BlockingIOError");
  EXPECT_EQ(spawn_core::python_oserror_type(ENOEXEC), "OSError");
  EXPECT_EQ(spawn_core::python_oserror_type(E2BIG), "OSError");
}

TEST(SpawnErrorMessage, ArgumentErrorsCarryTheirPythonClass) {
  const SpawnError error = SpawnError::invalid_argument("ValueError", "embedded null byte");
  EXPECT_EQ(error.python_type(), "ValueError");
  EXPECT_STREQ(error.what(), "embedded null byte");
  EXPECT_EQ(error.error_number(), 0);
  EXPECT_EQ(error.step(), FailedStep::parent);
}
