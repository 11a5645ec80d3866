#include "scenario/text_checks.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fdconform {
namespace {

struct Position {
  int line = 1, column = 1;
};

Position position_of(std::string_view text, std::size_t offset) {
  Position p;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len;
  unsigned min;
  unsigned cp;
  if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, cp = c & 0x07;
  else return 0;
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

std::optional<std::string> read_input_file(const std::string& path, std::size_t max_bytes, std::string_view what,
                                           Diagnostic& problem) {
  problem = Diagnostic{path, 1, 1, ""};
  // Looking before opening: opening a FIFO blocks until a writer comes, and opening a device can
  // have effects of its own.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    problem.message = fmt::format("cannot open file: {}", std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    problem.message = fmt::format("{}, expected a regular file", file_kind(st.st_mode));
    return std::nullopt;
  }
  // O_NONBLOCK and a second look through the descriptor: the path may have been replaced by a FIFO
  // since stat. On a regular file O_NONBLOCK changes nothing.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    problem.message = fmt::format("cannot open file: {}", std::strerror(errno));
    return std::nullopt;
  }
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    problem.message = fmt::format("{}, expected a regular file", file_kind(st.st_mode));
    return std::nullopt;
  }
  std::string too_large = fmt::format("file too large: {} must be at most {} bytes", what, max_bytes);
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    problem.message = too_large;
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem.message = fmt::format("cannot read file: {}", std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    // Checked while reading too: a file that grows after fstat (or a /proc file reporting size 0).
    if (text.size() > max_bytes) {
      problem.message = too_large;
      return std::nullopt;
    }
  }
  return text;
}

std::optional<std::string> read_scenario_file(const std::string& path, Diagnostic& problem) {
  return read_input_file(path, max_scenario_bytes, "a scenario", problem);
}

std::optional<Diagnostic> check_input_text(const std::string& file, std::string_view text, std::string_view expected) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Diagnostic{file, 1, 1, fmt::format("empty file: expected {}", expected)};
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    auto p = position_of(text, nul);
    return Diagnostic{file, p.line, p.column, "binary file: NUL byte found; expected UTF-8 YAML text"};
  }
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      auto p = position_of(text, i);
      return Diagnostic{file, p.line, p.column,
                        fmt::format("invalid UTF-8 (byte 0x{:02x}); expected UTF-8 YAML text",
                                    static_cast<unsigned char>(text[i]))};
    }
    i += len;
  }
  // yaml-cpp takes a lone CR for an ordinary character, so a file with old Mac line endings is one
  // long line to it and its message ("illegal map value") says nothing of the cause.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' || (i + 1 < text.size() && text[i + 1] == '\n')) continue;
    auto p = position_of(text, i);
    bool no_lf = text.find('\n') == std::string_view::npos;
    return Diagnostic{file, p.line, p.column,
                      no_lf ? std::string("CR-only line endings: expected LF or CRLF")
                            : std::string("carriage return without a line feed: expected LF or CRLF line endings")};
  }
  return std::nullopt;
}

std::optional<Diagnostic> check_scenario_text(const std::string& file, std::string_view text) {
  return check_input_text(file, text, "a scenario mapping with format, id, title, ...");
}

std::optional<Diagnostic> find_indentation_tab(const std::string& file, std::string_view text, int before_line) {
  int line = 1;
  for (std::size_t start = 0; start < text.size() && line <= before_line; ++line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    for (std::size_t i = start; i < end && (text[i] == ' ' || text[i] == '\t'); ++i) {
      if (text[i] == '\t') {
        return Diagnostic{file, line, static_cast<int>(i - start) + 1,
                          fmt::format("tab at line {} col {}: YAML indents with spaces", line, i - start + 1)};
      }
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace fdconform
