// The driver's side of docs/PROTOCOL.md: the hello, then one result line per
// request line, each replayed in a scenario parent forked for it.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "adapter.hpp"
#include "protocol_io.hpp"
#include "request.hpp"
#include "scenario_parent.hpp"

namespace kit {
namespace {

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

Json replay_in_scenario_parent(const Request& request, const SpawnAdapter& adapter, const StartupSignals& startup) {
  int channel[2];
  if (pipe2(channel, O_CLOEXEC) != 0)
    return error_result(request.scenario_id, request.implementation, fmt::format("pipe: {}", strerror(errno)));
  std::cout.flush();
  const pid_t driver_pid = getpid();
  pid_t parent = fork();
  if (parent < 0) {
    close(channel[0]);
    close(channel[1]);
    return error_result(request.scenario_id, request.implementation, fmt::format("fork: {}", strerror(errno)));
  }
  if (parent == 0) {
    // A driver killed with the runner (the runner gives it PR_SET_PDEATHSIG) must not leave the scenario
    // parent waiting out its timeout. Not part of the observed state: the snapshots do not show it, and
    // the kernel clears it for the probe the parent then forks.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != driver_pid) _exit(1);  // the driver died before the line above took effect
    close(channel[0]);
    run_scenario_parent(request, adapter, startup, channel[1]);
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
  Json error = error_result(request.scenario_id, request.implementation, what);
  error["harness_error"] = what;
  return error;
}

Json answer(const std::string& line, const SpawnAdapter& adapter, const Hello& hello) {
  const std::string& default_id = hello.id;
  Json message = Json::parse(line, nullptr, false);
  if (message.is_discarded()) return error_result("", default_id, "malformed request: not a JSON document");
  const std::string scenario_id = scenario_id_of(message);
  try {
    Request request = parse_request(message, adapter);
    return replay_in_scenario_parent(request, adapter, hello.startup_signals);
  } catch (const RequestError& error) {
    return error_result(scenario_id, default_id, fmt::format("malformed request: {}", error.what()));
  } catch (const std::exception& error) {
    return error_result(scenario_id, default_id, fmt::format("driver failure: {}", error.what()));
  }
}

}  // namespace

int serve(const SpawnAdapter& adapter) {
  // A runner that goes away must end the driver with a write error, not a signal.
  signal(SIGPIPE, SIG_IGN);
  const Hello hello = adapter.hello();
  write_message(hello_message(hello));
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    write_message(answer(line, adapter, hello));
    if (!std::cout) return 1;
  }
  return 0;
}

}  // namespace kit
