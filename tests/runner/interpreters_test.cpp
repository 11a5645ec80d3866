// Discovery of CPython interpreters for `--oracle all`.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "drivers/interpreters.hpp"

namespace fdconform {
namespace {

namespace fs = std::filesystem;

// Sets or unsets an environment variable for one test, and puts it back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A pyenv-shaped tree with one "interpreter": a script, so its real path is its own.
class FakePyenv : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fdconform-pyenv-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ + "/versions/3.99.1/bin");
    python_ = root_ + "/versions/3.99.1/bin/python3";
    std::ofstream(python_) << "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n";
    ::chmod(python_.c_str(), 0755);
  }
  void TearDown() override { fs::remove_all(root_); }

  bool found() const {
    auto all = all_interpreters();
    return std::find(all.begin(), all.end(), python_) != all.end();
  }

  std::string root_, python_;
};

TEST_F(FakePyenv, PyenvRootIsSearched) {
  ScopedEnv root("PYENV_ROOT", root_);
  EXPECT_EQ(pyenv_root(), root_);
  EXPECT_TRUE(found());
}

TEST_F(FakePyenv, HomeDotPyenvWhenPyenvRootIsUnset) {
  fs::rename(root_ + "/versions", root_ + "/.pyenv-versions");
  fs::create_directories(root_ + "/.pyenv");
  fs::rename(root_ + "/.pyenv-versions", root_ + "/.pyenv/versions");
  python_ = root_ + "/.pyenv/versions/3.99.1/bin/python3";
  ScopedEnv root("PYENV_ROOT", std::nullopt);
  ScopedEnv home("HOME", root_);
  EXPECT_EQ(pyenv_root(), root_ + "/.pyenv");
  EXPECT_TRUE(found());
}

TEST_F(FakePyenv, OtherRootsAreNotSearched) {
  ScopedEnv root("PYENV_ROOT", "/nonexistent/fdconform-pyenv");
  EXPECT_FALSE(found());
}

TEST(Interpreters, ANonShimPython3OnPathIsFound) {
  char pattern[] = "/tmp/fdconform-path-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  std::string dir = pattern, python = dir + "/python3";
  std::ofstream(python) << "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n";
  ::chmod(python.c_str(), 0755);
  {
    ScopedEnv path("PATH", dir + ":/usr/bin:/bin");
    auto all = all_interpreters();
    EXPECT_NE(std::find(all.begin(), all.end(), python), all.end());
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fdconform
