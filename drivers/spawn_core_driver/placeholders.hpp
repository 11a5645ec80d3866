// {probe}, {probe_dir} and {workdir} in scenario strings.
#pragma once

#include <string>

namespace driver {

struct PlaceholderValues {
  std::string probe;
  std::string probe_dir;
  std::string workdir;
};

std::string substitute_placeholders(const std::string& text, const PlaceholderValues& values);

}  // namespace driver
