#include "placeholders.hpp"

#include <unistd.h>

#include <string_view>

namespace kit {

std::string substitute_placeholders(const std::string& text, const PlaceholderValues& values) {
  const std::pair<std::string_view, const std::string*> names[] = {
      {"{probe_dir}", &values.probe_dir},     {"{probe}", &values.probe},           {"{workdir}", &values.workdir},
      {"{parent_pid}", &values.parent_pid},   {"{parent_pgid}", &values.parent_pgid},
      {"{parent_sid}", &values.parent_sid},   {"{uid}", &values.uid},               {"{gid}", &values.gid}};
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
      for (const auto& [name, value] : values.child_pids) {
        if (replaced) break;
        if (std::string_view(text).substr(i, name.size()) == name) {
          out += value;
          i += name.size();
          replaced = true;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

PlaceholderValues placeholders_for_this_process(std::string probe, std::string probe_dir, std::string workdir) {
  return PlaceholderValues{std::move(probe),
                           std::move(probe_dir),
                           std::move(workdir),
                           std::to_string(getpid()),
                           std::to_string(getpgid(0)),
                           std::to_string(getsid(0)),
                           std::to_string(getuid()),
                           std::to_string(getgid()),
                           {}};
}

}  // namespace kit
