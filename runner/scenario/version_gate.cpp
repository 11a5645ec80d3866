#include "scenario/version_gate.hpp"

#include <cctype>
#include <fmt/format.h>

#include "scenario/yaml_checker.hpp"

namespace fdconform {
namespace {

std::vector<long> numeric_components(std::string_view v) {
  std::vector<long> out;
  size_t i = 0;
  while (i < v.size()) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) break;
    long n = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
      if (n < 1000000) n = n * 10 + (v[i] - '0');
      ++i;
    }
    out.push_back(n);
    if (i < v.size() && v[i] == '.') {
      ++i;
      continue;
    }
    break;  // a suffix such as "rc1" or "-18-amd64" ends the numeric part
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  auto x = numeric_components(a), y = numeric_components(b);
  size_t n = std::max(x.size(), y.size());
  for (size_t i = 0; i < n; ++i) {
    long p = i < x.size() ? x[i] : 0, q = i < y.size() ? y[i] : 0;
    if (p != q) return p < q ? -1 : 1;
  }
  return 0;
}

bool is_dotted_version(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  bool need_digit = true;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      need_digit = false;
    } else if (c == '.' && !need_digit) {
      need_digit = true;
    } else {
      return false;
    }
  }
  return !need_digit;
}

int compare_versions_at(std::string_view version, std::string_view bound) {
  auto x = numeric_components(version), y = numeric_components(bound);
  x.resize(y.size(), 0);  // "3.12.5" compared with "3.12" is compared as "3.12"
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool VersionClause::admits(std::string_view candidate) const {
  int r = compare_versions_at(candidate, version);
  return op == ">=" ? r >= 0 : op == "<=" ? r <= 0 : op == ">" ? r > 0 : op == "<" ? r < 0 : op == "==" ? r == 0 : r != 0;
}

std::string next_version(std::string_view version) {
  auto parts = numeric_components(version);
  if (parts.empty()) parts.push_back(0);
  ++parts.back();
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + std::to_string(parts[i]);
  return out;
}

bool VersionGate::admits(std::string_view version) const {
  for (const auto& c : clauses)
    if (!c.admits(version)) return false;
  return true;
}

std::optional<VersionGate> parse_version_gate(std::string_view text, std::string& error) {
  VersionGate gate;
  gate.text = std::string(text);
  std::string_view rest = text;
  if (trim(rest).empty()) {
    error = "expected a version gate such as \">=3.11\", \"<3.13\" or \">=3.9,<3.13\", got an empty string";
    return std::nullopt;
  }
  while (true) {
    size_t comma = rest.find(',');
    std::string_view clause = trim(rest.substr(0, comma));
    static constexpr std::string_view ops[] = {">=", "<=", "==", "!=", ">", "<"};
    std::string op;
    for (auto o : ops) {
      if (clause.substr(0, o.size()) == o) {
        op = std::string(o);
        break;
      }
    }
    std::string_view version = op.empty() ? clause : trim(clause.substr(op.size()));
    if (op.empty() || !is_dotted_version(version)) {
      error = fmt::format(
          "expected a version gate such as \">=3.11\", \"<3.13\" or \">=3.9,<3.13\" (operators >= <= > < == !=), "
          "got clause '{}'",
          shown(clause));
      return std::nullopt;
    }
    gate.clauses.push_back({op, std::string(version)});
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return gate;
}

}  // namespace fdconform
