#include "error_pipe.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace spawn_core::detail {

namespace {

// A magic byte and a version make stray or truncated data detectable.
constexpr uint8_t kMagic = 0xFD;
struct WireRecord {
  uint8_t magic;
  uint8_t step;
  uint8_t reserved[2];
  int32_t error_number;
};
static_assert(sizeof(WireRecord) == 8);

}  // namespace

void write_error_record(int fd, ChildStep step, int error_number) noexcept {
  WireRecord wire{kMagic, static_cast<uint8_t>(step), {0, 0}, error_number};
  // A signal may interrupt the write; nothing else can be done about a failure.
  while (write(fd, &wire, sizeof wire) < 0 && errno == EINTR) {
  }
}

namespace {

constexpr char kPreexecMessage[] = "Exception occurred in preexec_fn.";

// Appends `text` to a fixed buffer; async-signal-safe (no libc string calls).
struct TextBuffer {
  char data[128];
  size_t size = 0;
  void append(const char* text) noexcept {
    while (*text != '\0' && size < sizeof data) data[size++] = *text++;
  }
  void append_hex(unsigned value) noexcept {
    char digits[2 * sizeof value];
    size_t n = 0;
    do {
      digits[n++] = "0123456789abcdef"[value % 16];
      value /= 16;
    } while (value != 0);
    while (n > 0 && size < sizeof data) data[size++] = digits[--n];
  }
};

}  // namespace

void write_child_failure(int fd, ErrorFormat format, ChildStep step, int error_number) noexcept {
  if (format == ErrorFormat::record) {
    write_error_record(fd, step, error_number);
    return;
  }
  TextBuffer text;
  if (step == ChildStep::preexec) {
    text.append("SubprocessError:0:");
    text.append(kPreexecMessage);
  } else {
    text.append("OSError:");
    text.append_hex(static_cast<unsigned>(error_number));
    text.append(":");
    if (step == ChildStep::chdir && format == ErrorFormat::cpython_3_13) {
      text.append("noexec:chdir");
    } else if (step != ChildStep::exec) {
      text.append("noexec");
    }
  }
  while (write(fd, text.data, text.size) < 0 && errno == EINTR) {
  }
}

std::optional<ErrorRecord> read_error_record(int fd) {
  std::string data;
  char buffer[512];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > 50000) break;  // CPython's bound; a record is 8 bytes
  }
  if (data.empty()) return std::nullopt;
  WireRecord wire{};
  if (data.size() == sizeof wire) std::memcpy(&wire, data.data(), sizeof wire);
  if (data.size() != sizeof wire || wire.magic != kMagic || wire.step < 1 || wire.step > 4) {
    std::string shown;
    for (unsigned char c : data) shown += fmt::format("\\x{:02x}", c);
    throw SpawnError::invalid_argument("SubprocessError", fmt::format("Bad exception data from child: b'{}'", shown));
  }
  return ErrorRecord{static_cast<ChildStep>(wire.step), wire.error_number};
}

SpawnError error_from_record(const ErrorRecord& record, const std::string& executable,
                             const std::optional<std::string>& cwd) {
  switch (record.step) {
    case ChildStep::exec:
      return SpawnError(FailedStep::exec, record.error_number, executable);
    case ChildStep::chdir:
      return SpawnError(FailedStep::chdir, record.error_number, cwd);
    case ChildStep::preexec:
      return SpawnError::invalid_argument("SubprocessError", kPreexecMessage);
    case ChildStep::noexec:
      break;
  }
  return SpawnError(FailedStep::noexec, record.error_number, std::nullopt);
}

}  // namespace spawn_core::detail
