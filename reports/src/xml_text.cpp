#include "reports/xml_text.hpp"

#include <cstdint>
#include <optional>

#include <fmt/format.h>

namespace reports {
namespace {

// Decodes one UTF-8 sequence at `text[i]`; returns the code point and advances `i`, or returns
// nothing (and advances one byte) for a malformed, overlong or surrogate sequence.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || i + length > text.size()) {
    ++i;
    return std::nullopt;
  }
  char32_t code = length == 1 ? lead : lead & (0x7f >> length);
  for (int k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    ++i;
    return std::nullopt;
  }
  i += length;
  return code;
}

bool allowed_in_xml(char32_t c) {
  return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
         (c >= 0x10000 && c <= 0x10ffff);
}

std::string escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    auto code = next_code_point(text, i);
    if (!code) {
      out += "\xEF\xBF\xBD";  // U+FFFD for bytes that are not UTF-8
      continue;
    }
    if (!allowed_in_xml(*code)) {
      out += *code < 0x100 ? fmt::format("\\x{:02x}", static_cast<unsigned>(*code))
                           : fmt::format("\\u{:04x}", static_cast<unsigned>(*code));
      continue;
    }
    switch (*code) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      // Attribute-value normalization would turn these into spaces; character references survive it.
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out.append(text.substr(start, i - start));
    }
  }
  return out;
}

}  // namespace

std::string xml_text(std::string_view text) { return escape(text, false); }
std::string xml_attribute(std::string_view text) { return escape(text, true); }

}  // namespace reports
