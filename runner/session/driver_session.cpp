#include "session/driver_session.hpp"

#include "run/utf8_text.hpp"
#include "session/protocol_messages.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>
#include <thread>

namespace fdconform {
namespace {

constexpr std::size_t max_line_bytes = 64 * 1024 * 1024;
constexpr std::size_t stderr_tail_bytes = 4096;

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (auto& c : text)
    if (c == '\n') c = '|';
  return text;
}

}  // namespace

DriverSession::DriverSession(DriverDescriptor descriptor, int interrupt_fd, std::vector<std::string> environment)
    : descriptor_(std::move(descriptor)), interrupt_fd_(interrupt_fd), environment_(std::move(environment)) {}

DriverSession::~DriverSession() { stop(); }

void DriverSession::drain_stderr() {
  char buffer[4096];
  ssize_t n = ::read(child_.stderr_fd, buffer, sizeof buffer);
  if (n > 0) {
    stderr_tail_.append(buffer, static_cast<std::size_t>(n));
    if (stderr_tail_.size() > stderr_tail_bytes) stderr_tail_.erase(0, stderr_tail_.size() - stderr_tail_bytes);
  } else if (n == 0) {
    ::close(child_.stderr_fd);
    child_.stderr_fd = -1;
  }
}

DriverSession::ReadStatus DriverSession::read_line(std::string& line, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    if (auto nl = stdout_buffer_.find('\n'); nl != std::string::npos) {
      line = stdout_buffer_.substr(0, nl);
      stdout_buffer_.erase(0, nl + 1);
      return ReadStatus::line;
    }
    if (stdout_buffer_.size() > max_line_bytes) return ReadStatus::too_long;
    int wait = remaining_ms(deadline);
    if (wait == 0) return ReadStatus::timeout;
    pollfd fds[3] = {{child_.stdout_fd, POLLIN, 0}, {child_.stderr_fd, POLLIN, 0}, {interrupt_fd_, POLLIN, 0}};
    int n = ::poll(fds, 3, wait);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ReadStatus::eof;
    if (interrupt_fd_ >= 0 && fds[2].revents) return ReadStatus::interrupted;
    if (child_.stderr_fd >= 0 && fds[1].revents) drain_stderr();
    if (fds[0].revents) {
      char buffer[65536];
      ssize_t got = ::read(child_.stdout_fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return ReadStatus::eof;
      stdout_buffer_.append(buffer, static_cast<std::size_t>(got));
    }
  }
}

bool DriverSession::write_all(const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(child_.stdin_fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // EPIPE: the driver is gone (the runner ignores SIGPIPE)
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string DriverSession::failure(const std::string& what) {
  std::string status = "killed by the runner";
  if (child_.pid > 0) {
    // A driver that closed its stdout has usually ended by itself: give it a moment so its real
    // status (a crash signal) is what gets reported, then stop waiting.
    int wait_status = 0;
    pid_t done = 0;
    for (int i = 0; i < 50 && done == 0; ++i) {
      done = ::waitpid(child_.pid, &wait_status, WNOHANG);
      if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (done == child_.pid) {
      ::kill(-child_.pid, SIGKILL);  // whatever it forked into its group
      status = describe_wait_status(wait_status);
    } else {
      kill_and_reap(child_.pid);
    }
    child_.pid = -1;
  }
  if (child_.stderr_fd >= 0) {
    pollfd p{child_.stderr_fd, POLLIN, 0};
    while (child_.stderr_fd >= 0 && ::poll(&p, 1, 0) > 0) drain_stderr();
  }
  for (int* fd : {&child_.stdin_fd, &child_.stdout_fd, &child_.stderr_fd})
    if (*fd >= 0) ::close(*fd), *fd = -1;
  std::string message = fmt::format("{}: driver {} {}", what, descriptor_.id, status);
  if (!stderr_tail_.empty()) message += "; stderr: " + one_line(stderr_tail_);
  last_error_ = message;
  return message;
}

bool DriverSession::start(std::chrono::milliseconds hello_timeout) {
  std::string error;
  auto child = spawn_with_pipes(descriptor_.argv, error, environment_);
  if (!child) {
    last_error_ = fmt::format("driver {}: {}", descriptor_.id, error);
    return false;
  }
  child_ = *child;
  std::string line;
  auto status = read_line(line, std::chrono::steady_clock::now() + hello_timeout);
  if (status != ReadStatus::line) {
    const char* why = status == ReadStatus::timeout     ? "no hello line within the time limit"
                      : status == ReadStatus::interrupted ? "interrupted"
                                                          : "no hello line";
    failure(why);
    return false;
  }
  std::string violation;
  auto hello = parse_hello_line(line, violation);
  if (!hello) {
    failure(violation);
    return false;
  }
  hello_ = std::move(*hello);
  return true;
}

Exchange DriverSession::exchange(nlohmann::json request, std::chrono::milliseconds timeout) {
  Exchange ex;
  if (!alive()) {
    ex.error = "driver not running";
    return ex;
  }
  // "request": 1 and "result": 1 carry the protocol version; results match requests by order.
  request["request"] = 1;
  ++requests_sent_;
  // dump_json: a request holding bytes that are not UTF-8 is sent mapped (docs/RESULTS.md), never thrown on.
  if (!write_all(dump_json(request) + "\n")) {
    ex.error = failure("cannot send the request");
    return ex;
  }
  std::string line;
  switch (read_line(line, std::chrono::steady_clock::now() + timeout)) {
    case ReadStatus::line: break;
    case ReadStatus::timeout:
      ex.error = failure(fmt::format("timed out after {} ms", timeout.count()));
      return ex;
    case ReadStatus::interrupted:
      ex.error = failure("interrupted");
      return ex;
    case ReadStatus::too_long:
      ex.error = failure("protocol violation: result line longer than 64 MiB");
      return ex;
    case ReadStatus::eof:
      ex.error = failure("no result (the driver closed its output)");
      return ex;
  }
  std::string error;
  auto result = parse_result_line(line, error);
  if (!result) {
    ex.error = failure(error);
    return ex;
  }
  ex.ok = true;
  ex.result = std::move(*result);
  return ex;
}

void DriverSession::stop() {
  if (child_.pid <= 0) return;
  if (child_.stdin_fd >= 0) ::close(child_.stdin_fd), child_.stdin_fd = -1;
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 100 && done == 0; ++i) {  // a warm driver exits at EOF promptly
    done = ::waitpid(child_.pid, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (done == child_.pid) ::kill(-child_.pid, SIGKILL);
  else kill_and_reap(child_.pid);
  child_.pid = -1;
  for (int* fd : {&child_.stdout_fd, &child_.stderr_fd})
    if (*fd >= 0) ::close(*fd), *fd = -1;
}

}  // namespace fdconform
