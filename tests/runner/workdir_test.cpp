// Where the run directory goes: TMPDIR when set, else /dev/shm only when it is a tmpfs that cells can
// use as they use /tmp (exec allowed, room, open to every user), else /tmp. The checks are shown on
// small tmpfs mounts made for the test (root only; skipped elsewhere).
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "run/workdir.hpp"

namespace fdconform {
namespace {

// Sets or unsets TMPDIR for one test and puts the old value back.
class TmpdirSetting {
 public:
  explicit TmpdirSetting(const char* value) {
    if (const char* old = std::getenv("TMPDIR")) saved_ = old;
    if (value) {
      ::setenv("TMPDIR", value, 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  ~TmpdirSetting() {
    if (saved_) {
      ::setenv("TMPDIR", saved_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  TmpdirSetting(const TmpdirSetting&) = delete;
  TmpdirSetting& operator=(const TmpdirSetting&) = delete;

 private:
  std::optional<std::string> saved_;
};

// tmpfs mounts under a fresh directory, unmounted and removed at the end.
class TmpfsMounts {
 public:
  TmpfsMounts() {
    std::string pattern = ::testing::TempDir() + "/fdconform-workdir-test-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data())) root_ = buffer.data();
  }
  ~TmpfsMounts() {
    for (const auto& path : mounted_) ::umount2(path.c_str(), MNT_DETACH);
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }
  TmpfsMounts(const TmpfsMounts&) = delete;
  TmpfsMounts& operator=(const TmpfsMounts&) = delete;

  // The mount point, or empty when this process may not mount.
  std::string mount(const std::string& name, const std::string& options, unsigned long flags = 0) {
    if (root_.empty()) return {};
    const std::string path = root_ + "/" + name;
    if (::mkdir(path.c_str(), 0755) != 0) return {};
    if (::mount("tmpfs", path.c_str(), "tmpfs", flags, options.c_str()) != 0) return {};
    mounted_.push_back(path);
    return path;
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::vector<std::string> mounted_;
};

TEST(RunDirectoryBase, TmpdirWinsOverTheDefault) {
  const std::string chosen = std::filesystem::canonical(::testing::TempDir()).string();
  TmpdirSetting setting(chosen.c_str());
  RunDirectory run_dir;
  ASSERT_TRUE(run_dir.ok()) << run_dir.error();
  EXPECT_EQ(run_dir.path().rfind(chosen + "/fdconform-", 0), 0u) << run_dir.path();
}

TEST(RunDirectoryBase, WithoutTmpdirTheDefaultBaseIsUsed) {
  const std::string base = RunDirectory::default_base();
  EXPECT_EQ(base, RunDirectory::suits_run_directories("/dev/shm") ? "/dev/shm" : "/tmp");
  for (const char* value : {static_cast<const char*>(nullptr), ""}) {
    TmpdirSetting setting(value);
    RunDirectory run_dir;
    ASSERT_TRUE(run_dir.ok()) << run_dir.error();
    const std::string canonical_base = std::filesystem::canonical(base).string();
    EXPECT_EQ(run_dir.path().rfind(canonical_base + "/fdconform-", 0), 0u) << run_dir.path();
  }
}

TEST(RunDirectoryBase, OnlyAnExecutableRoomySharedTmpfsSuits) {
  EXPECT_FALSE(RunDirectory::suits_run_directories("/proc")) << "not a tmpfs";
  EXPECT_FALSE(RunDirectory::suits_run_directories("/no/such/directory"));
  TmpfsMounts mounts;
  const std::string fit = mounts.mount("fit", "size=512m,mode=1777");
  if (fit.empty()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  EXPECT_TRUE(RunDirectory::suits_run_directories(fit));
  EXPECT_FALSE(RunDirectory::suits_run_directories(mounts.mount("noexec", "size=512m,mode=1777", MS_NOEXEC)));
  EXPECT_FALSE(RunDirectory::suits_run_directories(mounts.mount("small", "size=64m,mode=1777")))
      << "a container's 64 MiB /dev/shm";
  EXPECT_FALSE(RunDirectory::suits_run_directories(mounts.mount("private", "size=512m,mode=0755")))
      << "probes running as nobody could not create their reports";
  EXPECT_FALSE(RunDirectory::suits_run_directories(mounts.mount("readonly", "size=512m,mode=1777", MS_RDONLY)));
  EXPECT_FALSE(RunDirectory::suits_run_directories(mounts.root())) << "the directory holding the mounts";
}

}  // namespace
}  // namespace fdconform
