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

namespace {

std::string fd_list(const nlohmann::json& json) {
  std::string list;
  const auto fds = json.find("fds");
  if (fds == json.end() || !fds->is_array()) return "no fd list at all";
  for (const auto& entry : *fds) {
    const auto number = entry.find("fd");
    if (!list.empty()) list += ",";
    list += number != entry.end() ? number->dump() : "?";
  }
  return "it has fds " + (list.empty() ? std::string("none") : list);
}

}  // namespace

std::vector<int> Report::fds(std::source_location where) const {
  std::vector<int> numbers;
  const auto list = json.find("fds");
  if (list == json.end() || !list->is_array()) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line())) << "the child's report has no \"fds\" list";
    return numbers;
  }
  for (const auto& entry : *list) {
    const auto number = entry.find("fd");
    if (number == entry.end() || !number->is_number_integer()) {
      ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
          << "an entry of the child's fd list has no fd number: " << entry.dump();
      continue;
    }
    numbers.push_back(number->get<int>());
  }
  return numbers;
}

const nlohmann::json* Report::fd(int number) const {
  const auto list = json.find("fds");
  if (list == json.end() || !list->is_array()) return nullptr;
  for (const auto& entry : *list) {
    const auto fd = entry.find("fd");
    if (fd != entry.end() && fd->is_number_integer() && fd->get<int>() == number) return &entry;
  }
  return nullptr;
}

nlohmann::json Report::fd_field(int number, const std::string& key, std::source_location where) const {
  const nlohmann::json* entry = fd(number);
  if (!entry) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << "fd " << number << " is not in the child's report (" << fd_list(json) << "), so it has no \"" << key
        << "\"";
    return nullptr;
  }
  const auto value = entry->find(key);
  if (value == entry->end()) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << "fd " << number << " of the child's report has no \"" << key << "\": " << entry->dump();
    return nullptr;
  }
  return *value;
}

nlohmann::json Report::field(const std::string& pointer, std::source_location where) const {
  try {
    const nlohmann::json::json_pointer path(pointer);
    if (json.contains(path)) return json.at(path);
  } catch (const nlohmann::json::exception& error) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << "cannot look up " << pointer << " in the child's report: " << error.what();
    return nullptr;
  }
  ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
      << pointer << " is not in the child's report";
  return nullptr;
}

std::vector<std::string> Report::names(const char* signal_list, std::source_location where) const {
  const nlohmann::json list = field(std::string("/signals/") + signal_list, where);
  std::vector<std::string> names;
  if (list.is_null()) return names;
  if (!list.is_array()) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << "/signals/" << signal_list << " of the child's report is not a list: " << list.dump();
    return names;
  }
  for (const auto& name : list) names.push_back(name.is_string() ? name.get<std::string>() : name.dump());
  return names;
}

bool Report::signal_in(const char* signal_list, const std::string& name, std::source_location where) const {
  for (const auto& n : names(signal_list, where)) {
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
