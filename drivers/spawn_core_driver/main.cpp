// fdconform-driver-spawn-core: the spawn_core column of the matrix.
// Speaks docs/PROTOCOL.md on stdin/stdout; one scenario parent per request.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "protocol_io.hpp"
#include "request.hpp"
#include "capabilities.hpp"
#include "scenario_parent.hpp"

namespace {

using driver::Json;

// How long past the request's timeout the scenario parent may take to report
// (snapshots, reading the probe's report) before the driver gives up on it.
constexpr std::chrono::milliseconds report_grace{10000};

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

// Everything the scenario parent writes, until EOF or the deadline.
std::string read_until_eof(int fd, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  std::string data;
  char buffer[65536];
  timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      return data;
    }
    pollfd entry{fd, POLLIN, 0};
    int ready = poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return data;
    data.append(buffer, static_cast<size_t>(n));
  }
}

Json replay_in_scenario_parent(const driver::Request& request) {
  const std::string implementation = driver::implementation_id(request.path);
  int channel[2];
  if (pipe2(channel, O_CLOEXEC) != 0)
    return driver::error_result(request.scenario_id, implementation, fmt::format("pipe: {}", strerror(errno)));
  std::cout.flush();
  const pid_t driver_pid = getpid();
  pid_t parent = fork();
  if (parent < 0) {
    close(channel[0]);
    close(channel[1]);
    return driver::error_result(request.scenario_id, implementation, fmt::format("fork: {}", strerror(errno)));
  }
  if (parent == 0) {
    // A driver killed with the runner (the runner gives it PR_SET_PDEATHSIG) must not leave the scenario
    // parent waiting out its timeout. Not part of the observed state: the snapshots do not show it, and
    // the kernel clears it for the probe the parent then forks.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != driver_pid) _exit(1);  // the driver died before the line above took effect
    close(channel[0]);
    driver::run_scenario_parent(request, channel[1]);
  }
  close(channel[1]);
  bool timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout_ms) + report_grace;
  std::string text = read_until_eof(channel[0], deadline, timed_out);
  close(channel[0]);
  if (timed_out) kill(parent, SIGKILL);
  int status = 0;
  while (waitpid(parent, &status, 0) < 0 && errno == EINTR) {
  }

  Json result = Json::parse(text, nullptr, false);
  if (!timed_out && !result.is_discarded() && result.is_object()) return result;
  std::string what = timed_out ? "the scenario parent did not report in time and was killed"
                               : fmt::format("the scenario parent {} without a result", describe_status(status));
  Json error = driver::error_result(request.scenario_id, implementation, what);
  error["harness_error"] = what;
  return error;
}

Json answer(const std::string& line, spawn_core::SpawnPath default_path) {
  const std::string default_id = driver::implementation_id(default_path);
  Json message = Json::parse(line, nullptr, false);
  if (message.is_discarded())
    return driver::error_result("", default_id, "malformed request: not a JSON document");
  const std::string scenario_id = driver::scenario_id_of(message);
  try {
    driver::Request request = driver::parse_request(message, default_path);
    return replay_in_scenario_parent(request);
  } catch (const driver::RequestError& error) {
    return driver::error_result(scenario_id, default_id, fmt::format("malformed request: {}", error.what()));
  } catch (const std::exception& error) {
    return driver::error_result(scenario_id, default_id, fmt::format("driver failure: {}", error.what()));
  }
}

int usage(const char* program, const std::string& problem) {
  std::cerr << program << ": " << problem << "\nusage: " << program
            << " [--path auto|fork|vfork|posix_spawn]\n       " << program
            << " --columns [--with PATH]...\n(speaks docs/PROTOCOL.md on stdin/stdout)\n";
  return 2;
}

// The discovery answer (docs/DRIVERS.md, "Discovery"): one column per spawn path, all run by this
// executable; every one is in a default run. `--with` values name other runtimes: none is ours.
int print_columns() {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    std::cerr << "fdconform-driver-spawn-core: cannot read /proc/self/exe: " << ec.message() << "\n";
    return 1;
  }
  for (auto path : {spawn_core::SpawnPath::automatic, spawn_core::SpawnPath::fork, spawn_core::SpawnPath::vfork,
                    spawn_core::SpawnPath::posix_spawn}) {
    Json column = {{"id", driver::implementation_id(path)},
                   {"argv", {self}},
                   {"variant", {{"path", driver::path_name(path)}}},
                   {"default", true}};
    // The automatic path is the reference only when no column ranks higher (docs/DRIVERS.md).
    if (path == spawn_core::SpawnPath::automatic) column["reference_rank"] = "0.1";
    std::cout << column.dump() << "\n";
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  spawn_core::SpawnPath default_path = spawn_core::SpawnPath::automatic;
  if (argc > 1 && std::string_view(argv[1]) == "--columns") {
    for (int i = 2; i < argc; ++i)
      if (std::string_view(argv[i]) != "--with" || ++i == argc) return usage(argv[0], "--columns: expected --with PATH pairs");
    return print_columns();
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "--path" && i + 1 < argc) value = argv[++i];
    else if (arg.starts_with("--path=")) value = arg.substr(7);
    else return usage(argv[0], fmt::format("unexpected argument \"{}\"", arg));
    auto path = driver::spawn_path_from_name(value);
    if (!path) return usage(argv[0], fmt::format("--path: expected auto, fork, vfork or posix_spawn, got \"{}\"", value));
    default_path = *path;
  }
  // A runner that goes away must end the driver with a write error, not a signal.
  signal(SIGPIPE, SIG_IGN);

  driver::write_message(driver::hello_message(default_path));
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    driver::write_message(answer(line, default_path));
    if (!std::cout) return 1;
  }
  return 0;
}
