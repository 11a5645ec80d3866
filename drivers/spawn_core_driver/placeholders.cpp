#include "placeholders.hpp"

#include <string_view>

namespace driver {

std::string substitute_placeholders(const std::string& text, const PlaceholderValues& values) {
  const std::pair<std::string_view, const std::string*> names[] = {
      {"{probe_dir}", &values.probe_dir}, {"{probe}", &values.probe}, {"{workdir}", &values.workdir}};
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (text[i] == '{') {
      for (const auto& [name, value] : names) {
        if (std::string_view(text).substr(i, name.size()) == name) {
          out += *value;
          i += name.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

}  // namespace driver
