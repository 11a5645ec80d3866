#include "scenario/diagnostic.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace fdconform {

std::string Diagnostic::to_string() const { return fmt::format("{}:{}:{}: {}", file, line, column, message); }

void sort_by_position(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
}

void limit_diagnostics(std::vector<Diagnostic>& diagnostics, std::size_t max) {
  if (diagnostics.size() <= max) return;
  Diagnostic more = diagnostics[max];
  more.message = fmt::format("{} more errors in this file not shown", diagnostics.size() - max);
  diagnostics.resize(max);
  diagnostics.push_back(std::move(more));
}

}  // namespace fdconform
