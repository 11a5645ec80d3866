#pragma once
// Replaces run-specific paths with placeholders so observations of different cells compare equal.
#include <string>

namespace fdconform {

struct PathSubstitution {
  std::string workdir;  // -> {workdir}
  std::string probe;    // -> {probe}

  std::string apply(std::string text) const;
};

}  // namespace fdconform
