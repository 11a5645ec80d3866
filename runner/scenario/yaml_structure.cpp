#include "scenario/yaml_structure.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <unordered_map>
#include <vector>

#include "scenario/text_checks.hpp"

namespace fdconform {
namespace {

struct Size {
  std::size_t bytes = 0;
  std::size_t nodes = 0;
  Size& operator+=(const Size& other) {
    bytes += other.bytes;
    nodes += other.nodes;
    return *this;
  }
};

// Thrown to end the scan once the file is refused: nothing after that point could change the verdict.
struct StopScan {};

class StructureScanner : public YAML::EventHandler {
 public:
  StructureScanner(YamlChecker& check, const YamlStructureLimits& limits, std::string_view holds)
      : check_(check), limits_(limits), holds_(holds) {}

  bool refused() const { return refused_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      refuse(mark, fmt::format("a second YAML document starts here: {} holds exactly one document "
                               "(remove this '---' and what follows, or move it to a file of its own)",
                               holds_));
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, Size{0, 1}); }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchored_.find(anchor);
    if (it == anchored_.end())
      refuse(mark, "this alias is inside the node its anchor names: a cycle cannot be read as a scenario "
                   "or an expectation (write the values out)");
    add(mark, it->second, true);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    check_tag(mark, tag);
    // The file's bytes were checked before, but yaml-cpp turns the escapes \N and \_ into the single
    // bytes 0x85 and 0xA0, which are not UTF-8; such a value would make the JSON sent to drivers and
    // results.json impossible to write.
    if (!is_valid_utf8(value)) {
      check_.error(mark, "this value is not valid UTF-8 once read (yaml-cpp decodes the escapes \\N and \\_ to "
                         "single bytes): write \\u0085 or \\u00a0 instead");
      refused_ = true;
    }
    leaf(mark, anchor, Size{value.size(), 1});
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, tag, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, tag, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Collection {
    YAML::anchor_t anchor;
    Size size;
  };

  [[noreturn]] void refuse(const YAML::Mark& mark, std::string message) {
    check_.error(mark, std::move(message));
    refused_ = true;
    throw StopScan{};
  }

  // "?" is an untagged plain node and "!" a quoted scalar; anything else was written as a tag.
  void check_tag(const YAML::Mark& mark, const std::string& tag) {
    if (tag.empty() || tag == "?" || tag == "!") return;
    if (++tags_ > max_tag_reports) return;  // one per tag up to a few: the rest are the same mistake
    // yaml-cpp hands over the resolved tag; "!!binary" is how it was written.
    constexpr std::string_view core = "tag:yaml.org,2002:";
    std::string written = tag.starts_with(core) ? "!!" + tag.substr(core.size()) : tag;
    check_.error(mark, fmt::format("YAML tag '{}': scenarios and expectation files use no tags; remove it "
                                   "(quote the value to make it a string)",
                                   shown(written)));
    refused_ = true;
  }

  void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor) {
    check_tag(mark, tag);
    add(mark, Size{0, 1}, false);
    open_.push_back({anchor, Size{0, 1}});
  }

  void close() {
    Collection done = open_.back();
    open_.pop_back();
    if (done.anchor != YAML::NullAnchor) anchored_[done.anchor] = done.size;
    if (!open_.empty()) open_.back().size += done.size;
  }

  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, Size size) {
    if (anchor != YAML::NullAnchor) anchored_[anchor] = size;
    add(mark, size, false);
    if (!open_.empty()) open_.back().size += size;
  }

  // Counts `size` towards the document total; an alias's expansion also goes to its collection here,
  // a node's own size when its collection closes (or in leaf()).
  void add(const YAML::Mark& mark, Size size, bool alias) {
    total_ += size;
    if (alias && !open_.empty()) open_.back().size += size;
    if (total_.bytes <= limits_.max_expanded_bytes && total_.nodes <= limits_.max_expanded_nodes) return;
    std::string limits = fmt::format("at most {} bytes of text and {} nodes, every alias counted as a full copy "
                                     "of what it names",
                                     limits_.max_expanded_bytes, limits_.max_expanded_nodes);
    if (alias)
      refuse(mark, fmt::format("this alias expands the file past its limit ({} more bytes, {} more nodes): "
                               "expected {}",
                               size.bytes, size.nodes, limits));
    refuse(mark, fmt::format("the file is too large once read: expected {}", limits));
  }

  static constexpr int max_tag_reports = 10;
  YamlChecker& check_;
  YamlStructureLimits limits_;
  std::string_view holds_;
  std::vector<Collection> open_;
  std::unordered_map<YAML::anchor_t, Size> anchored_;
  Size total_;
  int documents_ = 0;
  int tags_ = 0;
  bool refused_ = false;
};

}  // namespace

bool check_yaml_structure(YamlChecker& check, const std::string& text, const YamlStructureLimits& limits,
                          std::string_view holds) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  StructureScanner scanner(check, limits, holds);
  try {
    // The first document, then whether another one starts.
    if (parser.HandleNextDocument(scanner)) parser.HandleNextDocument(scanner);
  } catch (const StopScan&) {
  }
  return !scanner.refused();
}

}  // namespace fdconform
