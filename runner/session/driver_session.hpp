#pragma once
// One running driver process speaking docs/PROTOCOL.md: hello, then request/result lines.
// Every wait is bounded; on timeout, crash or protocol violation the session kills the driver's whole
// process group, reaps it, and reports why. A failed session is never reused.
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "session/child_process.hpp"
#include "session/descriptor.hpp"

namespace fdconform {

struct DriverHello {
  std::string id, name, version, language, detail;
  // The standards this implementation follows, by name: {"python": "3.13"} for a column that
  // implements Python 3.13's subprocess. `requires.python` gates only columns that state "python".
  std::map<std::string, std::string> semantics;
  std::vector<std::string> features;
  nlohmann::json raw;
};

struct Exchange {
  bool ok = false;
  nlohmann::json result;  // ok: the result line
  std::string error;      // !ok: why there is no result (timeout, crash, protocol violation, interrupted)
};

class DriverSession {
 public:
  // `interrupt_fd`: a descriptor that becomes readable when the run must stop (-1: none).
  // `environment`: what the driver process starts with (docs/PROTOCOL.md "Transport").
  DriverSession(DriverDescriptor descriptor, int interrupt_fd,
                std::vector<std::string> environment = driver_environment());
  ~DriverSession();
  DriverSession(const DriverSession&) = delete;
  DriverSession& operator=(const DriverSession&) = delete;

  // Starts the driver and reads its hello. False (see last_error()) when that fails.
  bool start(std::chrono::milliseconds hello_timeout);
  const DriverHello& hello() const { return hello_; }
  const DriverDescriptor& descriptor() const { return descriptor_; }
  bool alive() const { return child_.pid > 0; }
  const std::string& last_error() const { return last_error_; }

  // Sends one request (the protocol's "request": 1 is filled in) and waits up to `timeout` for its result.
  Exchange exchange(nlohmann::json request, std::chrono::milliseconds timeout);

  // Closes stdin and gives the driver a moment to exit at EOF; kills its group otherwise.
  void stop();

 private:
  enum class ReadStatus { line, timeout, eof, interrupted, too_long };
  ReadStatus read_line(std::string& line, std::chrono::steady_clock::time_point deadline);
  bool write_all(const std::string& data);
  std::string failure(const std::string& what);  // kills, reaps, appends exit status and stderr tail
  void drain_stderr();

  DriverDescriptor descriptor_;
  int interrupt_fd_;
  std::vector<std::string> environment_;
  SpawnedChild child_;
  DriverHello hello_;
  std::string stdout_buffer_;
  std::string stderr_tail_;
  std::string last_error_;
  long long requests_sent_ = 0;
};

}  // namespace fdconform
