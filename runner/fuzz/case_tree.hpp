#pragma once
// The structure of a generated scenario as a small YAML tree, which the generator builds, the reducer
// shrinks and `text` writes out. Scalars keep the exact text they are written with, so an octal umask
// stays the string "077" and a number stays a number.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace fdconform::fuzz {

struct CaseNode {
  enum class Kind { scalar, sequence, mapping };
  Kind kind = Kind::scalar;
  std::string text;                                     // scalar: YAML text, quoted when it must be
  std::vector<CaseNode> items;                          // sequence
  std::vector<std::pair<std::string, CaseNode>> entries;  // mapping, in writing order

  static CaseNode plain(std::string text);    // a number, a boolean, a name: written as is
  static CaseNode quoted(const std::string& text);  // a string, double-quoted
  static CaseNode number(long long value);
  static CaseNode boolean(bool value);
  static CaseNode sequence(std::vector<CaseNode> items = {});
  static CaseNode mapping(std::vector<std::pair<std::string, CaseNode>> entries = {});

  CaseNode* find(const std::string& key);
  const CaseNode* find(const std::string& key) const;
  // Adds or replaces `key`, keeping its place when it was there.
  CaseNode& set(const std::string& key, CaseNode value);
  bool is_scalar() const { return kind == Kind::scalar; }

  bool operator==(const CaseNode&) const = default;
};

// The scenario's metadata, written before the body.
struct CaseHeader {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> covers;
  std::string source;
  std::vector<std::string> tags;
};

// The whole scenario file: the header, then the body's keys (parent, spawn) in block style; a sequence
// of mappings (resources) one flow mapping per line, everything deeper on one line.
std::string scenario_text(const CaseHeader& header, const CaseNode& body);

// The body alone, as scenario_text writes it (its line count is the size the fuzzer reports).
std::string body_text(const CaseNode& body);

std::size_t line_count(const std::string& text);

// A string as a YAML double-quoted scalar (JSON escaping is a subset YAML reads the same).
std::string yaml_quoted(const std::string& text);

}  // namespace fdconform::fuzz
