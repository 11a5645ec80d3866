#include "diff/field_difference.hpp"

#include <fmt/format.h>

namespace fdconform {
namespace {

std::string shown(const std::optional<std::string>& value) {
  if (!value) return "(absent)";
  std::string one_line = *value;
  for (auto& c : one_line)
    if (c == '\n') c = ' ';
  return fmt::format("'{}'", one_line);
}

}  // namespace

std::vector<FieldDifference> diff_observations(const Observation& expected, const Observation& actual) {
  std::vector<FieldDifference> out;
  auto e = expected.begin(), a = actual.begin();
  // Both maps are sorted: walk them together.
  while (e != expected.end() || a != actual.end()) {
    if (a == actual.end() || (e != expected.end() && e->first < a->first)) {
      out.push_back({e->first, e->second, std::nullopt});
      ++e;
    } else if (e == expected.end() || a->first < e->first) {
      out.push_back({a->first, std::nullopt, a->second});
      ++a;
    } else {
      if (e->second != a->second) out.push_back({e->first, e->second, a->second});
      ++e;
      ++a;
    }
  }
  return out;
}

std::string describe(const FieldDifference& d) {
  return fmt::format("{}: expected {}, got {}", d.field, shown(d.expected), shown(d.actual));
}

std::string describe_against_reference(const FieldDifference& d) {
  return fmt::format("{}: reference {}, this column {}", d.field, shown(d.expected), shown(d.actual));
}

}  // namespace fdconform
