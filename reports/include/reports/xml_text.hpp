#pragma once
// Text made safe for XML 1.0: markup characters escaped, and characters XML 1.0 cannot carry at all
// (most C0 controls, U+FFFE/U+FFFF, lone surrogates, malformed UTF-8) replaced by a visible `\xNN`
// or U+FFFD so the reader still sees that something was there.
#include <string>
#include <string_view>

namespace reports {

std::string xml_text(std::string_view text);       // element content
std::string xml_attribute(std::string_view text);  // attribute value in double quotes; keeps tabs/newlines

}  // namespace reports
