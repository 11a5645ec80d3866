#include "fuzz/case_tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fdconform::fuzz {

CaseNode CaseNode::plain(std::string text) {
  CaseNode node;
  node.text = std::move(text);
  return node;
}
CaseNode CaseNode::quoted(const std::string& text) { return plain(yaml_quoted(text)); }
CaseNode CaseNode::number(long long value) { return plain(std::to_string(value)); }
CaseNode CaseNode::boolean(bool value) { return plain(value ? "true" : "false"); }
CaseNode CaseNode::sequence(std::vector<CaseNode> items) {
  CaseNode node;
  node.kind = Kind::sequence;
  node.items = std::move(items);
  return node;
}
CaseNode CaseNode::mapping(std::vector<std::pair<std::string, CaseNode>> entries) {
  CaseNode node;
  node.kind = Kind::mapping;
  node.entries = std::move(entries);
  return node;
}

CaseNode* CaseNode::find(const std::string& key) {
  for (auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}
const CaseNode* CaseNode::find(const std::string& key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}
CaseNode& CaseNode::set(const std::string& key, CaseNode value) {
  if (CaseNode* existing = find(key)) return *existing = std::move(value);
  entries.emplace_back(key, std::move(value));
  return entries.back().second;
}

std::string yaml_quoted(const std::string& text) { return nlohmann::json(text).dump(); }

namespace {

std::string flow(const CaseNode& node) {
  switch (node.kind) {
    case CaseNode::Kind::scalar:
      return node.text;
    case CaseNode::Kind::sequence: {
      std::vector<std::string> parts;
      for (const auto& item : node.items) parts.push_back(flow(item));
      return fmt::format("[{}]", fmt::join(parts, ", "));
    }
    case CaseNode::Kind::mapping: {
      std::vector<std::string> parts;
      for (const auto& [key, value] : node.entries) parts.push_back(fmt::format("{}: {}", key, flow(value)));
      return fmt::format("{{{}}}", fmt::join(parts, ", "));
    }
  }
  return {};
}

bool holds_mappings(const CaseNode& sequence) {
  return !sequence.items.empty() && std::all_of(sequence.items.begin(), sequence.items.end(), [](const CaseNode& item) {
           return item.kind == CaseNode::Kind::mapping;
         });
}

void block(const CaseNode& mapping, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& [key, value] : mapping.entries) {
    // The body's sections, and the spawn call's keys, one per line; everything deeper on one line.
    if (value.kind == CaseNode::Kind::mapping && !value.entries.empty() && (indent == 0 || key == "popen" || key == "posix_spawn" ||
                                                                      key == "posix_spawnp" || key == "fork_exec")) {
      out += fmt::format("{}{}:\n", pad, key);
      block(value, indent + 2, out);
    } else if (value.kind == CaseNode::Kind::sequence && holds_mappings(value)) {
      out += fmt::format("{}{}:\n", pad, key);
      for (const auto& item : value.items) out += fmt::format("{}  - {}\n", pad, flow(item));
    } else {
      out += fmt::format("{}{}: {}\n", pad, key, flow(value));
    }
  }
}

}  // namespace

std::string body_text(const CaseNode& body) {
  std::string out;
  block(body, 0, out);
  return out;
}

std::string scenario_text(const CaseHeader& header, const CaseNode& body) {
  std::string out = fmt::format("format: 1\nid: {}\ntitle: {}\ndescription: {}\ncovers: [{}]\nsource: {}\ntags: [{}]\n",
                                header.id, yaml_quoted(header.title), yaml_quoted(header.description),
                                fmt::join(header.covers, ", "), yaml_quoted(header.source),
                                fmt::join(header.tags, ", "));
  return out + body_text(body);
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
         (!text.empty() && text.back() != '\n' ? 1 : 0);
}

}  // namespace fdconform::fuzz
