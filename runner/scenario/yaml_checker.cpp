#include "scenario/yaml_checker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

#include <unordered_set>

namespace fdconform {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

std::string shown(std::string_view text, std::size_t max) {
  std::size_t keep = text.size();
  if (keep > max) {
    keep = max;
    // Back up to the start of a UTF-8 sequence so the excerpt stays valid UTF-8.
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  }
  std::string out(text.substr(0, keep));
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (keep < text.size()) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

namespace {

bool all_of_chars(std::string_view text, std::size_t from, bool (*allowed)(char)) {
  for (std::size_t i = from; i < text.size(); ++i)
    if (!allowed(text[i])) return false;
  return true;
}

bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_scenario_id(std::string_view t) {
  return !t.empty() && lower_or_digit(t[0]) && all_of_chars(t, 1, [](char c) { return lower_or_digit(c) || c == '-'; });
}

bool is_resource_name(std::string_view t) {
  return !t.empty() && t[0] >= 'a' && t[0] <= 'z' &&
         all_of_chars(t, 1, [](char c) { return lower_or_digit(c) || c == '_'; });
}

bool is_exception_name(std::string_view t) {
  auto letter = [](char c) { return upper(c) || (c >= 'a' && c <= 'z') || c == '_'; };
  return !t.empty() && letter(t[0]) &&
         all_of_chars(t, 1, [](char c) { return upper(c) || (c >= 'a' && c <= 'z') || c == '_' || digit(c) || c == '.'; });
}

bool is_errno_name(std::string_view t) {
  return t.size() >= 2 && t[0] == 'E' && all_of_chars(t, 1, [](char c) { return upper(c) || digit(c); });
}

const YAML::Node* MapView::find(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

void YamlChecker::error(const YAML::Mark& at, std::string message) {
  int line = at.is_null() ? 1 : at.line + 1;
  int column = at.is_null() ? 1 : at.column + 1;
  out_.push_back(Diagnostic{file_, line, column, std::move(message)});
}

void YamlChecker::error(const YAML::Node& at, std::string message) {
  error(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), std::move(message));
}

bool YamlChecker::is_null(const YAML::Node& node) { return !node.IsDefined() || node.IsNull(); }

bool YamlChecker::is_plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() != "!"; }

std::string YamlChecker::describe(const YAML::Node& node) {
  if (is_null(node)) return "nothing (null)";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  std::string text = shown(node.Scalar(), 40);
  return is_plain_scalar(node) ? fmt::format("'{}'", text) : fmt::format("the quoted string \"{}\"", text);
}

void YamlChecker::expected(const YAML::Node& node, std::string_view path, std::string_view what) {
  error(node, fmt::format("{}: expected {}, got {}", path, what, describe(node)));
}

std::optional<MapView> YamlChecker::map(const YAML::Node& node, std::string_view path,
                                        std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) {
    expected(node, path, "a mapping");
    return std::nullopt;
  }
  MapView view{node, {}};
  std::vector<std::string> allowed_names(allowed.begin(), allowed.end());
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy: yaml-cpp's iterator hands out a temporary, so a reference would dangle.
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      error(key, fmt::format("{}: expected a key name, got {}", path, describe(key)));
      continue;
    }
    std::string name = key.Scalar();
    if (std::find(allowed_names.begin(), allowed_names.end(), name) == allowed_names.end()) {
      // yaml-cpp reads `<<` as an ordinary key, so merging would silently do nothing.
      if (name == "<<" && is_plain_scalar(key))
        error(key, fmt::format("merge key '<<' in {}: YAML merge keys are not supported; write the keys out", path));
      else
        error(key, fmt::format("unknown key '{}' in {}: expected one of {}", shown(name), path,
                               join(allowed_names, ", ")));
      continue;
    }
    if (view.find(name)) {
      error(key, fmt::format("duplicate key '{}' in {}: each key may appear once", shown(name), path));
      continue;
    }
    view.entries.push_back({name, key, it->second});
  }
  return view;
}

void YamlChecker::require(const MapView& view, std::string_view path,
                          std::initializer_list<std::string_view> required) {
  for (auto key : required)
    if (!view.find(key)) error(view.node, fmt::format("{}: missing required key '{}'", path, key));
}

std::optional<std::string> YamlChecker::string(const YAML::Node& node, std::string_view path) {
  if (!node.IsScalar() || (is_plain_scalar(node) && node.IsNull())) {
    expected(node, path, "a string");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> YamlChecker::line(const YAML::Node& node, std::string_view path) {
  auto s = string(node, path);
  if (!s) return std::nullopt;
  std::string trimmed = *s;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  if (trimmed.empty() || trimmed.find('\n') != std::string::npos) {
    expected(node, path, "a non-empty string on one line");
    return std::nullopt;
  }
  return trimmed;
}

std::optional<std::string> YamlChecker::short_string(const YAML::Node& node, std::string_view path,
                                                     std::size_t max) {
  auto s = string(node, path);
  if (!s) return std::nullopt;
  if (s->size() > max) {
    error(node, fmt::format("{}: {} characters is too long: expected at most {} (got '{}')", path, s->size(), max,
                            shown(*s, 20)));
    return std::nullopt;
  }
  return s;
}

std::optional<long long> YamlChecker::integer(const YAML::Node& node, std::string_view path, long long min,
                                              long long max) {
  return integer(node, path, min, max, fmt::format("an integer from {} to {}", min, max));
}

std::optional<long long> YamlChecker::integer(const YAML::Node& node, std::string_view path, long long min,
                                              long long max, std::string_view what) {
  if (!is_plain_scalar(node) || node.IsNull()) {
    expected(node, path, what);
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  std::size_t digits_from = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  bool all_digits = text.size() > digits_from && std::all_of(text.begin() + static_cast<long>(digits_from),
                                                             text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!all_digits) {
    expected(node, path, what);
    return std::nullopt;
  }
  // Past 18 digits strtoll would saturate; no bound here is that large, so such a number is out of range.
  std::size_t significant = text.find_first_not_of('0', digits_from);
  bool huge = significant != std::string::npos && text.size() - significant > 18;
  long long value = huge ? 0 : std::strtoll(text.c_str(), nullptr, 10);
  if (huge || value < min || value > max) {
    error(node, fmt::format("{}: {} is out of range: expected {}", path, shown(text), what));
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlChecker::seconds(const YAML::Node& node, std::string_view path, double min, double max) {
  std::string what = fmt::format("a number of seconds from {} to {}", min, max);
  if (!is_plain_scalar(node) || node.IsNull()) {
    expected(node, path, what);
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  bool shape_ok = !text.empty() && text.size() < 20 &&
                  std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
                  std::count(text.begin(), text.end(), '.') <= 1 && text.front() != '.' && text.back() != '.';
  if (!shape_ok) {
    expected(node, path, what);
    return std::nullopt;
  }
  double value = std::strtod(text.c_str(), nullptr);
  if (!(value >= min) || value > max) {
    error(node, fmt::format("{}: {} is out of range: expected {}", path, text, what));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlChecker::boolean(const YAML::Node& node, std::string_view path) {
  if (is_plain_scalar(node)) {
    const std::string& t = node.Scalar();
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  expected(node, path, "true or false");
  return std::nullopt;
}

std::optional<std::string> YamlChecker::choice(const YAML::Node& node, std::string_view path,
                                               std::initializer_list<std::string_view> choices) {
  return choice(node, path, std::span<const std::string_view>(choices.begin(), choices.size()));
}

std::optional<std::string> YamlChecker::choice(const YAML::Node& node, std::string_view path,
                                               std::span<const std::string_view> choices) {
  std::vector<std::string> names(choices.begin(), choices.end());
  if (node.IsScalar() && !(is_plain_scalar(node) && node.IsNull())) {
    if (std::find(names.begin(), names.end(), node.Scalar()) != names.end()) return node.Scalar();
  }
  expected(node, path, fmt::format("one of {}", join(names, ", ")));
  return std::nullopt;
}

std::optional<std::string> YamlChecker::octal(const YAML::Node& node, std::string_view path, unsigned max) {
  std::string what = fmt::format("an octal string in quotes such as \"022\" (at most \"{:o}\")", max);
  if (!node.IsScalar() || is_plain_scalar(node)) {
    expected(node, path, what);
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  bool shape_ok = !text.empty() && text.size() <= 5 &&
                  std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!shape_ok || std::strtoul(text.c_str(), nullptr, 8) > max) {
    expected(node, path, what);
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<YAML::Node>> YamlChecker::sequence(const YAML::Node& node, std::string_view path) {
  if (!node.IsSequence()) {
    expected(node, path, "a list");
    return std::nullopt;
  }
  std::vector<YAML::Node> items;
  for (const auto& item : node) items.push_back(item);
  return items;
}

std::optional<std::vector<std::string>> YamlChecker::string_list(const YAML::Node& node, std::string_view path) {
  auto items = sequence(node, path);
  if (!items) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto s = string((*items)[i], fmt::format("{}[{}]", path, i));
    if (s) out.push_back(*s);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> YamlChecker::string_map(const YAML::Node& node,
                                                                                        std::string_view path,
                                                                                        bool any_key) {
  if (!node.IsMap()) {
    expected(node, path, "a mapping of names to strings");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::unordered_set<std::string> seen;  // a set: a stranger's file may hold many thousands of keys
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy: yaml-cpp's iterator hands out a temporary, so a reference would dangle.
    const YAML::Node key = it->first;
    if (!key.IsScalar() || (!any_key && (key.Scalar().empty() || key.Scalar().find('=') != std::string::npos))) {
      error(key, fmt::format("{}: expected a name without '=', got {}", path, describe(key)));
      ok = false;
      continue;
    }
    if (!seen.insert(key.Scalar()).second) {
      error(key, fmt::format("duplicate key '{}' in {}: each key may appear once", shown(key.Scalar()), path));
      ok = false;
      continue;
    }
    auto value = string(it->second, fmt::format("{}.{}", path, shown(key.Scalar())));
    if (!value) {
      ok = false;
      continue;
    }
    out.emplace_back(key.Scalar(), *value);
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace fdconform
