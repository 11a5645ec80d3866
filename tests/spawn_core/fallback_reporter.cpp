// A stand-in for fdconform-probe, used only while probe/ has no
// fdconform-probe target: it writes the subset of the probe's report
// (docs/PROTOCOL.md) that the spawn_core tests read, in the same shape.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace {

std::string read_link(const std::string& path) {
  char buffer[4096];
  const ssize_t n = readlink(path.c_str(), buffer, sizeof buffer - 1);
  return n < 0 ? std::string() : std::string(buffer, static_cast<size_t>(n));
}

std::string status_field(const char* name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name, 0) == 0) return line.substr(std::strlen(name));
  }
  return {};
}

std::string signal_name(int signo) {
  if (const char* abbrev = sigabbrev_np(signo)) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(signo);
}

nlohmann::json fd_entry(int fd) {
  nlohmann::json entry;
  entry["fd"] = fd;
  struct stat st {};
  fstat(fd, &st);
  const char* kind = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : S_ISFIFO(st.st_mode) ? "pipe"
                   : S_ISSOCK(st.st_mode) ? "socket" : S_ISCHR(st.st_mode) ? "chr" : "unknown";
  entry["kind"] = kind;
  const int flags = fcntl(fd, F_GETFL);
  const int mode = flags & O_ACCMODE;
  entry["access"] = mode == O_RDONLY ? "rdonly" : mode == O_WRONLY ? "wronly" : "rdwr";
  nlohmann::json flag_names = nlohmann::json::array();
  if (flags & O_APPEND) flag_names.push_back("append");
  if (flags & O_NONBLOCK) flag_names.push_back("nonblock");
  entry["flags"] = flag_names;
  entry["cloexec"] = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
  entry["dev"] = st.st_dev;
  entry["ino"] = st.st_ino;
  entry["path"] = read_link("/proc/self/fd/" + std::to_string(fd));
  return entry;
}

}  // namespace

int main(int argc, char** argv) {
  std::string report_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--report=", 9) == 0) report_path = argv[i] + 9;
  }
  // Snapshot first; the directory fd is close-on-exec and left out.
  std::vector<int> fds;
  const int dir_fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (DIR* dir = fdopendir(dir_fd)) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      const int fd = std::atoi(entry->d_name);
      if (fd != dir_fd) fds.push_back(fd);
    }
    nlohmann::json report;
    report["probe"] = 1;
    report["pid"] = getpid();
    report["ppid"] = getppid();
    report["sid"] = getsid(0);
    report["pgid"] = getpgid(0);
    report["argv"] = std::vector<std::string>(argv, argv + argc);
    char cwd[4096];
    report["cwd"] = getcwd(cwd, sizeof cwd) ? cwd : "";
    const std::string umask_text = status_field("Umask:\t");
    report["umask"] = umask_text.size() > 3 ? umask_text.substr(umask_text.size() - 3) : umask_text;
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    report["env"] = env;
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    getresuid(&ruid, &euid, &suid);
    getresgid(&rgid, &egid, &sgid);
    report["uid"] = ruid; report["euid"] = euid; report["suid"] = suid;
    report["gid"] = rgid; report["egid"] = egid; report["sgid"] = sgid;
    std::vector<gid_t> groups(static_cast<size_t>(getgroups(0, nullptr)));
    getgroups(static_cast<int>(groups.size()), groups.data());
    report["groups"] = groups;
    nlohmann::json ignored = nlohmann::json::array(), caught = nlohmann::json::array(), blocked = nlohmann::json::array();
    sigset_t mask;
    sigprocmask(SIG_BLOCK, nullptr, &mask);
    for (int signo = 1; signo <= SIGRTMAX; ++signo) {
      struct sigaction action {};
      if (sigaction(signo, nullptr, &action) == 0) {
        if (action.sa_handler == SIG_IGN) ignored.push_back(signal_name(signo));
        else if (action.sa_handler != SIG_DFL) caught.push_back(signal_name(signo));
      }
      if (sigismember(&mask, signo) == 1) blocked.push_back(signal_name(signo));
    }
    report["signals"] = {{"ignored", ignored}, {"caught", caught}, {"blocked", blocked}};
    nlohmann::json fd_entries = nlohmann::json::array();
    std::sort(fds.begin(), fds.end());
    for (int fd : fds) fd_entries.push_back(fd_entry(fd));
    report["fds"] = fd_entries;
    closedir(dir);
    const int out = open(report_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) return 3;
    const std::string text = report.dump();
    const bool ok = write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(out);
    return ok ? 0 : 3;
  }
  return 3;
}
