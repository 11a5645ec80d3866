// fdconform-probe: reports what this process inherited across exec.
//   fdconform-probe [anything...] [--hold=stdin|signal] [--exit=N] [--report=PATH]
// The snapshot comes first, before the probe opens anything; the report then
// goes to PATH (the last --report= argument), never to fds 0-2, which are
// part of what is observed. Without --report the JSON goes to stdout.
// --hold keeps the process alive after its report, so a scenario's later
// steps run while it exists: until fd 0 reaches end of file, or until a
// signal ends it. --exit=N is the status it then exits with.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fdconform_common/probe_status.hpp"
#include "fdconform_snapshot/snapshot.hpp"

namespace {

// The value of the last `--NAME=` argument, or nullptr.
const char* option(int argc, char** argv, const char* prefix) {
  const char* value = nullptr;
  const size_t length = std::strlen(prefix);
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], prefix, length) == 0) value = argv[i] + length;
  return value;
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

// A driver waits for the report to appear before its next step, so it must
// appear whole: written under a temporary name, then linked into place
// (link, unlike rename, refuses to replace a file already there).
bool write_report(const char* path, const std::string& json) {
  const std::string partial = std::string(path) + ".partial";
  // The umask the probe inherited may forbid reading; the runner must be able to.
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  const bool written = fchmod(fd, 0666) == 0 && write_all(fd, json);
  const bool closed = close(fd) == 0;
  const bool placed = written && closed && link(partial.c_str(), path) == 0;
  unlink(partial.c_str());
  return placed;
}

void hold(const char* how) {
  if (how == nullptr) return;
  if (std::strcmp(how, "stdin") == 0) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
      if (n == 0 || (n < 0 && errno != EINTR)) return;
    }
  }
  if (std::strcmp(how, "signal") == 0)
    for (;;) pause();  // a signal whose action is to terminate ends it; the probe catches none
}

int exit_status(const char* text) {
  if (text == nullptr) return 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  return (*text != '\0' && *end == '\0' && value >= 0 && value <= 255) ? static_cast<int>(value) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  namespace snap = fdconform_snapshot;
  snap::Snapshot snapshot;
  snap::read_fd_table(snapshot.fds);  // an unlistable table is reported empty: the probe has no one to tell
  snapshot.process = snap::read_process_state();
  snapshot.signals = snap::read_signal_state();
  for (int i = 0; i < argc; ++i) snapshot.argv.emplace_back(argv[i]);

  const std::string json = snap::to_json(snapshot, snap::Shape::probe_report) + "\n";
  const char* path = option(argc, argv, "--report=");
  const bool reported = path == nullptr ? write_all(STDOUT_FILENO, json) : write_report(path, json);
  if (!reported) return fdconform_common::probe_report_failed_status;
  hold(option(argc, argv, "--hold="));
  return exit_status(option(argc, argv, "--exit="));
}
