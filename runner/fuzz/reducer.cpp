#include "fuzz/reducer.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace fdconform::fuzz {
namespace {

std::optional<long long> integer(const std::string& text) {
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The values a number is lowered to: the small ones first (0 to 3, where fds collide with the
// standard ones), then halving, then one less.
std::vector<long long> lower_values(long long value) {
  std::set<long long> lower;
  for (long long v : {0LL, 1LL, 2LL, 3LL, value / 2, value - 1})
    if (v >= 0 && v < value) lower.insert(v);
  return {lower.begin(), lower.end()};
}

// `replace(node)` gives the variants of one node; the variants of the whole tree are built by
// walking down to each node and copying the path above it.
void removals(const CaseNode& node, std::vector<CaseNode>& out, const std::function<CaseNode(CaseNode)>& rebuild) {
  if (node.kind == CaseNode::Kind::mapping) {
    for (std::size_t i = 0; i < node.entries.size(); ++i) {
      CaseNode without = node;
      without.entries.erase(without.entries.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back(rebuild(std::move(without)));
    }
    for (std::size_t i = 0; i < node.entries.size(); ++i)
      removals(node.entries[i].second, out, [&, i](CaseNode changed) {
        CaseNode copy = node;
        copy.entries[i].second = std::move(changed);
        return rebuild(std::move(copy));
      });
  } else if (node.kind == CaseNode::Kind::sequence) {
    for (std::size_t i = 0; i < node.items.size(); ++i) {
      CaseNode without = node;
      without.items.erase(without.items.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back(rebuild(std::move(without)));
    }
    for (std::size_t i = 0; i < node.items.size(); ++i)
      removals(node.items[i], out, [&, i](CaseNode changed) {
        CaseNode copy = node;
        copy.items[i] = std::move(changed);
        return rebuild(std::move(copy));
      });
  }
}

void lowerings(const CaseNode& node, std::vector<CaseNode>& out, const std::function<CaseNode(CaseNode)>& rebuild) {
  if (node.kind == CaseNode::Kind::scalar) {
    if (auto value = integer(node.text))
      for (long long lower : lower_values(*value)) out.push_back(rebuild(CaseNode::number(lower)));
    return;
  }
  for (std::size_t i = 0; i < node.entries.size(); ++i)
    lowerings(node.entries[i].second, out, [&, i](CaseNode changed) {
      CaseNode copy = node;
      copy.entries[i].second = std::move(changed);
      return rebuild(std::move(copy));
    });
  for (std::size_t i = 0; i < node.items.size(); ++i)
    lowerings(node.items[i], out, [&, i](CaseNode changed) {
      CaseNode copy = node;
      copy.items[i] = std::move(changed);
      return rebuild(std::move(copy));
    });
}

}  // namespace

std::vector<CaseNode> smaller_variants(const CaseNode& node) {
  std::vector<CaseNode> out;
  auto identity = [](CaseNode n) { return n; };
  removals(node, out, identity);
  lowerings(node, out, identity);
  return out;
}

Reduction reduce(const CaseNode& original, const KeepsDifference& keeps,
                 const std::function<void(const Reduction&)>& on_step) {
  Reduction result{original, 0, 0};
  std::map<std::string, bool> answered;  // body text -> keeps, so no candidate runs twice
  auto ask = [&](const CaseNode& candidate) {
    std::string key = body_text(candidate);
    if (auto known = answered.find(key); known != answered.end()) return known->second;
    ++result.tried;
    bool kept = keeps(candidate);
    answered.emplace(std::move(key), kept);
    return kept;
  };
  bool changed = true;
  while (changed) {
    changed = false;
    std::size_t position = 0;
    std::vector<CaseNode> candidates = smaller_variants(result.reduced);
    while (position < candidates.size()) {
      if (ask(candidates[position])) {
        result.reduced = std::move(candidates[position]);
        ++result.accepted;
        changed = true;
        if (on_step) on_step(result);
        // Positions shift by at most one node's worth after a removal: go on from about here.
        candidates = smaller_variants(result.reduced);
        continue;
      }
      ++position;
    }
  }
  return result;
}

}  // namespace fdconform::fuzz
