#include "fuzz/reducer.hpp"

#include <algorithm>
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

// The names a case declares: resources and spawn steps (a mapping with a scalar `name`).
void declared_names(const CaseNode& node, std::vector<std::string>& out) {
  if (const CaseNode* name = node.find("name"); name && name->is_scalar()) out.push_back(name->text);
  for (const auto& [key, value] : node.entries) declared_names(value, out);
  for (const auto& item : node.items) declared_names(item, out);
}

bool names(const std::string& text, const std::string& name) {
  return text == name || (text.starts_with(name) && text.size() > name.size() && text[name.size()] == '.');
}

// Keys whose loss leaves a mapping without its subject (the fd a step acts on, the child a call names,
// what a dup resource copies): the whole mapping goes with it.
bool subject_key(const std::string& key) { return key == "fd" || key == "of" || key == "child" || key == "name"; }

// `node` without `name`: its declaration and everything that names it (pass_fds items, stream targets,
// file actions, child and parent steps, calls and waits). nullopt: the node itself goes.
std::optional<CaseNode> without_name(const CaseNode& node, const std::string& name, const std::string& key_above = {}) {
  switch (node.kind) {
    case CaseNode::Kind::scalar:
      if (names(node.text, name)) return std::nullopt;
      return node;
    case CaseNode::Kind::sequence: {
      CaseNode copy = CaseNode::sequence();
      for (const auto& item : node.items)
        if (auto kept = without_name(item, name)) copy.items.push_back(std::move(*kept));
      // A dup2 file action's [source, target] is nothing without either half.
      if (key_above == "dup2" && copy.items.size() < node.items.size()) return std::nullopt;
      return copy;
    }
    case CaseNode::Kind::mapping: {
      CaseNode copy = CaseNode::mapping();
      for (const auto& [key, value] : node.entries) {
        auto kept = without_name(value, name, key);
        if (kept) {
          copy.entries.emplace_back(key, std::move(*kept));
          continue;
        }
        // A one-key mapping ({resource: r0}, {close: r0}, {wait: s0}, {spawn: ...}) is that key.
        if (subject_key(key) || node.entries.size() == 1) return std::nullopt;
      }
      return copy;
    }
  }
  return node;
}

// Each declared name dropped together with what names it: one step, where dropping the declaration
// alone leaves references the validator refuses.
void name_removals(const CaseNode& node, std::vector<CaseNode>& out) {
  std::vector<std::string> declared;
  declared_names(node, declared);
  for (const auto& name : declared)
    if (auto without = without_name(node, name)) out.push_back(std::move(*without));
}

// A together step replaced by its entries run one after the other: the same steps without threads.
void together_flattenings(const CaseNode& node, std::vector<CaseNode>& out,
                          const std::function<CaseNode(CaseNode)>& rebuild) {
  if (node.kind == CaseNode::Kind::sequence) {
    for (std::size_t i = 0; i < node.items.size(); ++i) {
      const CaseNode* together = node.items[i].find("together");
      if (!together || node.items[i].entries.size() != 1 || together->kind != CaseNode::Kind::sequence) continue;
      CaseNode flat = node;
      flat.items.erase(flat.items.begin() + static_cast<std::ptrdiff_t>(i));
      flat.items.insert(flat.items.begin() + static_cast<std::ptrdiff_t>(i), together->items.begin(),
                        together->items.end());
      out.push_back(rebuild(std::move(flat)));
    }
  }
  for (std::size_t i = 0; i < node.entries.size(); ++i)
    together_flattenings(node.entries[i].second, out, [&, i](CaseNode changed) {
      CaseNode copy = node;
      copy.entries[i].second = std::move(changed);
      return rebuild(std::move(copy));
    });
}

}  // namespace

std::vector<CaseNode> smaller_variants(const CaseNode& node) {
  std::vector<CaseNode> out;
  auto identity = [](CaseNode n) { return n; };
  name_removals(node, out);
  removals(node, out, identity);
  together_flattenings(node, out, identity);
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
