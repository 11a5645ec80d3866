#include "reports/mismatch_text.hpp"

#include <fmt/format.h>

namespace reports {

std::string quoted_value(const std::optional<std::string>& value) {
  if (!value) return "(absent)";
  std::string out = "\"";
  for (unsigned char c : *value) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string single_line(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

std::string reference_mismatch_line(const FieldMismatch& mismatch) {
  return fmt::format("{}: reference: {} / this column: {}", mismatch.field, quoted_value(mismatch.expected),
                     quoted_value(mismatch.actual));
}

std::string expect_mismatch_line(const FieldMismatch& mismatch) {
  return fmt::format("expect {}: expected: {} / observed: {}", mismatch.field, quoted_value(mismatch.expected),
                     quoted_value(mismatch.actual));
}

std::string expectation_line(const ExpectationNote& note) {
  std::string where = note.file.empty() ? std::string("an expectation file")
                                        : note.line > 0 ? fmt::format("{}:{}", note.file, note.line) : note.file;
  std::string line = where + ": " + (note.reason.empty() ? std::string("(no reason given)") : note.reason);
  if (!note.link.empty()) line += " (" + note.link + ")";
  return line;
}

std::vector<std::string> expectation_lines(const Cell& cell) {
  std::vector<std::string> lines;
  for (const auto& note : cell.expectation) lines.push_back(expectation_line(note));
  return lines;
}

std::vector<std::string> failure_lines(const Cell& cell) {
  std::vector<std::string> lines;
  if (!cell.reason.empty()) lines.push_back(cell.reason);
  for (const auto& mismatch : cell.diff) lines.push_back(reference_mismatch_line(mismatch));
  for (const auto& mismatch : cell.expectation_failures) lines.push_back(expect_mismatch_line(mismatch));
  return lines;
}

}  // namespace reports
