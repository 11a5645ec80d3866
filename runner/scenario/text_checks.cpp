#include "scenario/text_checks.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
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

}  // namespace

std::optional<std::string> read_scenario_file(const std::string& path, Diagnostic& problem) {
  problem = Diagnostic{path, 1, 1, ""};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    problem.message = fmt::format("cannot open file: {}", std::strerror(errno));
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd);
    problem.message = "expected a regular file";
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem.message = fmt::format("cannot read file: {}", std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > max_scenario_bytes) {
      ::close(fd);
      problem.message = fmt::format("file too large: a scenario must be at most {} bytes", max_scenario_bytes);
      return std::nullopt;
    }
  }
  ::close(fd);
  return text;
}

std::optional<Diagnostic> check_scenario_text(const std::string& file, std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Diagnostic{file, 1, 1, "empty file: expected a scenario mapping with format, id, title, ..."};
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
  return std::nullopt;
}

}  // namespace fdconform
