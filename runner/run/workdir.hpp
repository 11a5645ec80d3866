#pragma once
// Temporary directories: one per run under $TMPDIR (else a fit tmpfs, else /tmp), one per cell inside it,
// removed afterwards.
#include <cstddef>
#include <string>

namespace fdconform {

class RunDirectory {
 public:
  // Creates $TMPDIR/fdconform-XXXXXX (its real path, so observations never see a symlinked name); with
  // TMPDIR unset or empty, under default_base().
  RunDirectory();
  ~RunDirectory();  // removes everything left
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  const std::string& path() const { return path_; }
  bool ok() const { return !path_.empty(); }
  const std::string& error() const { return error_; }

  // A fresh empty cell directory, mode 0777 so probes running as another user can write there. Empty on
  // failure, with `error` (when given) naming the path and the errno.
  std::string make_cell_dir(long long number, std::string* error = nullptr);
  static void remove_tree(const std::string& path);

  // Empty when `cells` cell directories fit below PATH_MAX with their files; else why not.
  std::string check_room(std::size_t cells) const;

  // /dev/shm when suits_run_directories says so, else /tmp.
  static std::string default_base();
  // True when `base` is a tmpfs that is writable, allows exec, has 256 MiB free, and is world-writable
  // with the sticky bit: cells there observe what they would under /tmp.
  static bool suits_run_directories(const std::string& base);

 private:
  std::string path_;
  std::string error_;
};

}  // namespace fdconform
