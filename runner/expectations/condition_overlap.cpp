#include "expectations/condition_overlap.hpp"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <string>
#include <vector>

namespace fdconform {
namespace {

// One step of a pattern: `*`, or one character out of a set (a literal, `?`, a bracket expression).
struct GlobStep {
  bool star = false;
  std::bitset<256> chars;
};

bool in_class(std::string_view name, unsigned char c) {
  if (name == "alpha") return std::isalpha(c);
  if (name == "digit") return std::isdigit(c);
  if (name == "alnum") return std::isalnum(c);
  if (name == "upper") return std::isupper(c);
  if (name == "lower") return std::islower(c);
  if (name == "space") return std::isspace(c);
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "punct") return std::ispunct(c);
  if (name == "xdigit") return std::isxdigit(c);
  if (name == "cntrl") return std::iscntrl(c);
  if (name == "print") return std::isprint(c);
  if (name == "graph") return std::isgraph(c);
  return true;  // unknown to us: assume it may match (see the header)
}

// Parses a bracket expression starting after '['; returns the position after its ']', or npos when
// it has none (then fnmatch takes the '[' literally).
std::size_t parse_bracket(std::string_view p, std::size_t i, std::bitset<256>& out) {
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  std::bitset<256> set;
  bool first = true;
  while (i < p.size()) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == ']' && !first) {
      out = negate ? ~set : set;
      return i + 1;
    }
    first = false;
    if (c == '[' && i + 1 < p.size() && (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '.')) {
      char kind = p[i + 1];
      std::size_t close = p.find(std::string{kind, ']'}, i + 2);
      if (close == std::string_view::npos) return std::string_view::npos;
      std::string_view name = p.substr(i + 2, close - i - 2);
      for (int k = 0; k < 256; ++k)
        if (kind == ':' ? in_class(name, static_cast<unsigned char>(k))
                        : !name.empty() && static_cast<unsigned char>(name[0]) == k)
          set.set(k);
      i = close + 2;
      continue;
    }
    if (c == '\\' && i + 1 < p.size()) c = static_cast<unsigned char>(p[++i]);
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      unsigned char last = static_cast<unsigned char>(p[i + 2]);
      for (int k = c; k <= last; ++k) set.set(k);
      i += 3;
      continue;
    }
    set.set(c);
    ++i;
  }
  return std::string_view::npos;
}

std::vector<GlobStep> parse_glob(std::string_view p) {
  std::vector<GlobStep> steps;
  for (std::size_t i = 0; i < p.size();) {
    GlobStep step;
    char c = p[i];
    if (c == '*') {
      step.star = true;
      ++i;
    } else if (c == '?') {
      step.chars.set();
      ++i;
    } else if (c == '[') {
      std::size_t after = parse_bracket(p, i + 1, step.chars);
      if (after == std::string_view::npos) {
        step.chars.set(static_cast<unsigned char>('['));
        ++i;
      } else {
        i = after;
      }
    } else {
      if (c == '\\' && i + 1 < p.size()) c = p[++i];
      step.chars.set(static_cast<unsigned char>(c));
      ++i;
    }
    steps.push_back(step);
  }
  return steps;
}

}  // namespace

bool globs_overlap(std::string_view a, std::string_view b) {
  auto x = parse_glob(a), y = parse_glob(b);
  // reach[i][j]: some prefix matches x[0..i) and y[0..j) at once. Both patterns are regular and
  // this walks their product, so it stays quadratic whatever the stars.
  std::vector<std::vector<char>> reach(x.size() + 1, std::vector<char>(y.size() + 1, 0));
  reach[0][0] = 1;
  for (std::size_t i = 0; i <= x.size(); ++i) {
    for (std::size_t j = 0; j <= y.size(); ++j) {
      if (!reach[i][j]) continue;
      bool xs = i < x.size() && x[i].star, ys = j < y.size() && y[j].star;
      if (xs) reach[i + 1][j] = 1;  // the star matches nothing more
      if (ys) reach[i][j + 1] = 1;
      // A star takes the character the other pattern's step takes: any character at all.
      if (xs && j < y.size() && !ys && y[j].chars.any()) reach[i][j + 1] = 1;
      if (ys && i < x.size() && !xs && x[i].chars.any()) reach[i + 1][j] = 1;
      if (i < x.size() && j < y.size() && !xs && !ys && (x[i].chars & y[j].chars).any()) reach[i + 1][j + 1] = 1;
    }
  }
  return reach[x.size()][y.size()];
}

bool gates_overlap(const std::optional<VersionGate>& a, const std::optional<VersionGate>& b) {
  if (!a || !b) return true;
  // Each clause is a half-open range of versions at its own precision (compare_versions_at):
  // "<=3.12" is [0, 3.13), "==3.12" is [3.12, 3.13), "!=3.12" removes [3.12, 3.13). Versions are dense
  // (3.11.1 lies between 3.11 and 3.12), so the conjunction holds for some version unless the
  // lowest upper bound is not above the highest lower bound, or the removed ranges cover the rest.
  std::string low = "0", high;  // high empty: no upper bound
  std::vector<std::pair<std::string, std::string>> removed;
  auto raise = [&](const std::string& v) {
    if (compare_versions(v, low) > 0) low = v;
  };
  auto lower = [&](const std::string& v) {
    if (high.empty() || compare_versions(v, high) < 0) high = v;
  };
  for (const auto* gate : {&*a, &*b}) {
    for (const auto& clause : gate->clauses) {
      const std::string& v = clause.version;
      if (clause.op == ">=") raise(v);
      else if (clause.op == ">") raise(next_version(v));
      else if (clause.op == "<") lower(v);
      else if (clause.op == "<=") lower(next_version(v));
      else if (clause.op == "==") raise(v), lower(next_version(v));
      else removed.emplace_back(v, next_version(v));
    }
  }
  std::sort(removed.begin(), removed.end(),
            [](const auto& x, const auto& y) { return compare_versions(x.first, y.first) < 0; });
  for (const auto& [from, to] : removed) {  // sweep `low` past every removed range that starts at or below it
    if (!high.empty() && compare_versions(low, high) >= 0) break;
    if (compare_versions(from, low) <= 0 && compare_versions(to, low) > 0) low = to;
  }
  return high.empty() || compare_versions(low, high) < 0;
}

}  // namespace fdconform
