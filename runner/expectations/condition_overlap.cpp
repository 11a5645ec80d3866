#include "expectations/condition_overlap.hpp"

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

struct Bound {
  std::string version;  // empty: none
  bool strict = false;
};

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
  // Versions are dense (between 3.11 and 3.12 lies 3.11.1, and so on), so the conjunction holds for
  // some version unless its bounds cross, or meet at one excluded point. The least version is 0.
  Bound low{"0", false}, high;
  std::vector<std::string> excluded;
  auto raise = [&](const std::string& v, bool strict) {
    int c = compare_versions(v, low.version);
    if (c > 0 || (c == 0 && strict)) low = {v, strict};
  };
  auto lower = [&](const std::string& v, bool strict) {
    int c = high.version.empty() ? -1 : compare_versions(v, high.version);
    if (c < 0 || (c == 0 && strict)) high = {v, strict};
  };
  for (const auto* gate : {&*a, &*b}) {
    for (const auto& clause : gate->clauses) {
      if (clause.op == ">=") raise(clause.version, false);
      else if (clause.op == ">") raise(clause.version, true);
      else if (clause.op == "<=") lower(clause.version, false);
      else if (clause.op == "<") lower(clause.version, true);
      else if (clause.op == "==") raise(clause.version, false), lower(clause.version, false);
      else excluded.push_back(clause.version);
    }
  }
  if (high.version.empty()) return true;
  int c = compare_versions(low.version, high.version);
  if (c < 0) return true;
  if (c > 0 || low.strict || high.strict) return false;
  for (const auto& v : excluded)
    if (compare_versions(v, low.version) == 0) return false;
  return true;
}

}  // namespace fdconform
