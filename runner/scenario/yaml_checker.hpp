#pragma once
// Typed, located reads of a YAML tree: every mismatch becomes a Diagnostic and reading goes on,
// so one pass over a file reports all of its errors.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/diagnostic.hpp"

namespace fdconform {

struct MapEntry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// A mapping whose keys were checked against a closed set; lookups never create nodes.
struct MapView {
  YAML::Node node;
  std::vector<MapEntry> entries;

  const YAML::Node* find(std::string_view key) const;
};

class YamlChecker {
 public:
  YamlChecker(std::string file, std::vector<Diagnostic>& out) : file_(std::move(file)), out_(out) {}

  const std::string& file() const { return file_; }
  void error(const YAML::Node& at, std::string message);
  void error(const YAML::Mark& at, std::string message);
  std::size_t error_count() const { return out_.size(); }

  // A mapping with keys from `allowed` only; reports unknown and repeated keys. nullopt when not a mapping.
  std::optional<MapView> map(const YAML::Node& node, std::string_view path,
                             std::initializer_list<std::string_view> allowed);
  // Reports each key of `required` that `view` lacks, at the mapping.
  void require(const MapView& view, std::string_view path, std::initializer_list<std::string_view> required);

  // A scalar, quoted or not (numbers written plainly are accepted as their text).
  std::optional<std::string> string(const YAML::Node& node, std::string_view path);
  // Like string(), on one line and not empty.
  std::optional<std::string> line(const YAML::Node& node, std::string_view path);
  // Like string(), at most `max` bytes: longer is an error that gives the length, not the text.
  std::optional<std::string> short_string(const YAML::Node& node, std::string_view path, std::size_t max);
  // A plain decimal integer within [min, max].
  std::optional<long long> integer(const YAML::Node& node, std::string_view path, long long min, long long max);
  // The same, saying `what` was expected instead of "an integer from min to max".
  std::optional<long long> integer(const YAML::Node& node, std::string_view path, long long min, long long max,
                                   std::string_view what);
  // A plain decimal number of seconds within [min, max] (timeouts).
  std::optional<double> seconds(const YAML::Node& node, std::string_view path, double min, double max);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view path);
  std::optional<std::string> choice(const YAML::Node& node, std::string_view path,
                                    std::initializer_list<std::string_view> choices);
  std::optional<std::string> choice(const YAML::Node& node, std::string_view path,
                                    std::span<const std::string_view> choices);
  // A quoted octal string such as "022", value at most `max`.
  std::optional<std::string> octal(const YAML::Node& node, std::string_view path, unsigned max);
  std::optional<std::vector<YAML::Node>> sequence(const YAML::Node& node, std::string_view path);
  std::optional<std::vector<std::string>> string_list(const YAML::Node& node, std::string_view path);
  // A mapping of names to strings (environment variables); keys must not repeat. `any_key` admits
  // empty keys and keys with '=' (scenarios that check how a spawn rejects them).
  std::optional<std::vector<std::pair<std::string, std::string>>> string_map(const YAML::Node& node,
                                                                             std::string_view path,
                                                                             bool any_key = false);

  static bool is_null(const YAML::Node& node);
  static bool is_plain_scalar(const YAML::Node& node);
  // How a node looks, for "got ..." parts of messages.
  static std::string describe(const YAML::Node& node);

 private:
  void expected(const YAML::Node& node, std::string_view path, std::string_view what);

  std::string file_;
  std::vector<Diagnostic>& out_;
};

std::string join(const std::vector<std::string>& items, std::string_view separator);

// Text from a file, made fit to quote in a message: at most `max` bytes (cut on a UTF-8 boundary, with
// "..." and the full length after), control characters as spaces. A stranger's 50,000-character key
// would otherwise be copied whole into every message that names it.
std::string shown(std::string_view text, std::size_t max = 60);

// Hand-written shape checks (linear, no recursion, whatever the length).
bool is_scenario_id(std::string_view text);      // [a-z0-9][a-z0-9-]*
bool is_resource_name(std::string_view text);    // [a-z][a-z0-9_]*
bool is_exception_name(std::string_view text);   // [A-Za-z_][A-Za-z0-9_.]*
bool is_errno_name(std::string_view text);       // E[A-Z0-9]+

// Bounds on names (docs/SCENARIO_FORMAT.md).
inline constexpr std::size_t max_id_length = 100;
inline constexpr std::size_t max_resource_name_length = 64;
inline constexpr std::size_t max_exception_name_length = 128;
inline constexpr std::size_t max_errno_name_length = 32;

}  // namespace fdconform
