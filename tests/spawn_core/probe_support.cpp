#include "probe_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace spawn_core_test {

const std::string& probe_path() {
  static const std::string path = SPAWN_CORE_TEST_PROBE;
  return path;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/spawn_core_test.XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  chmod(path_.c_str(), 0777);  // the credential tests' probe writes here as nobody
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content, mode_t mode) const {
  const std::string full = file(name);
  {
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
  }
  chmod(full.c_str(), mode);
  return full;
}

std::vector<int> Report::fds() const {
  std::vector<int> numbers;
  for (const auto& entry : json.at("fds")) numbers.push_back(entry.at("fd").get<int>());
  return numbers;
}

const nlohmann::json* Report::fd(int number) const {
  for (const auto& entry : json.at("fds")) {
    if (entry.at("fd").get<int>() == number) return &entry;
  }
  return nullptr;
}

std::vector<std::string> Report::names(const char* signal_list) const {
  return json.at("signals").at(signal_list).get<std::vector<std::string>>();
}

bool Report::signal_in(const char* signal_list, const std::string& name) const {
  for (const auto& n : names(signal_list)) {
    if (n == name) return true;
  }
  return false;
}

std::optional<Report> read_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    return Report{nlohmann::json::parse(text.str())};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

spawn_core::Command probe_command(const TempDir& dir, const std::string& report_name) {
  spawn_core::Command command;
  command.args = {probe_path(), "--report=" + dir.file(report_name)};
  return command;
}

std::optional<Report> run_probe(spawn_core::Command command, const TempDir& dir, const std::string& report_name) {
  if (command.args.empty()) command.args = {probe_path()};
  if (command.shell) {
    command.args.back() += " --report=" + dir.file(report_name);
  } else {
    command.args.push_back("--report=" + dir.file(report_name));
  }
  spawn_core::Process process = spawn_core::spawn(command);
  const int status = process.wait();
  auto report = read_report(dir.file(report_name));
  if (!report) ADD_FAILURE() << "the probe wrote no report (exit status " << status << ")";
  return report;
}

std::string in_subprocess(const std::function<std::string()>& body) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return "pipe2 failed";
  const pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    close(ends[0]);
    std::string result;
    try {
      result = body();
    } catch (const std::exception& error) {
      result = std::string("exception: ") + error.what();
    }
    // The result pipe may sit anywhere; write through whatever fd it has.
    const char* data = result.data();
    size_t left = result.size();
    while (left > 0) {
      const ssize_t n = write(ends[1], data, left);
      if (n <= 0) break;
      data += n;
      left -= static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(ends[1]);
  std::string result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(ends[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) result.append(buffer, static_cast<size_t>(n));
  }
  close(ends[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "subprocess died (status " + std::to_string(status) + ")";
  return result;
}

std::string path_name(const testing::TestParamInfo<spawn_core::SpawnPath>& info) {
  return spawn_core::to_string(info.param);
}

bool no_children_left() {
  siginfo_t info{};
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

int count_open_fds() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
  }
  return count - 1;  // the directory's own fd
}

}  // namespace spawn_core_test
