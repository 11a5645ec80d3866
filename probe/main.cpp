// fdconform-probe: reports what this process inherited across exec.
//   fdconform-probe [anything...] [--report=PATH]
// The snapshot comes first, before the probe opens anything; the report then
// goes to PATH (the last --report= argument), never to fds 0-2, which are
// part of what is observed. Without --report the JSON goes to stdout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "snapshot.hpp"

namespace {

constexpr int exit_report_failed = 3;

const char* report_path(int argc, char** argv) {
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--report=", 9) == 0) path = argv[i] + 9;
  return path;
}

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  probe::Snapshot snapshot;
  snapshot.fds = probe::read_fd_table();
  snapshot.process = probe::read_process_state();
  snapshot.signals = probe::read_signal_state();
  for (int i = 0; i < argc; ++i) snapshot.argv.emplace_back(argv[i]);

  const std::string json = probe::to_json(snapshot) + "\n";
  const char* path = report_path(argc, argv);
  if (path == nullptr) return write_all(STDOUT_FILENO, json) ? 0 : exit_report_failed;

  // The umask the probe inherited may forbid reading; the runner must be able to.
  const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return exit_report_failed;
  const bool written = fchmod(fd, 0666) == 0 && write_all(fd, json);
  return (close(fd) == 0 && written) ? 0 : exit_report_failed;
}
