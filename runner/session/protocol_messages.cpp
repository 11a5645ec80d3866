#include "session/protocol_messages.hpp"

#include <fmt/format.h>

#include "scenario/text_checks.hpp"

namespace fdconform {
namespace {

std::string string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Whether JSON text nests arrays and objects deeper than `max`, by counting brackets outside strings.
// nlohmann parses any depth without recursing, but dump() and the normalizer's walks recurse, so a
// line of a million '[' would end the runner by stack overflow long after it was accepted.
bool nests_deeper_than(std::string_view text, int max) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string quoted_excerpt(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  for (; i < text.size() && out.size() < max;) {
    std::size_t len = utf8_sequence_length(text, i);
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (len == 0 || c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

std::optional<DriverHello> parse_hello_line(std::string_view line, std::string& error) {
  if (nests_deeper_than(line, max_message_depth)) {
    error = fmt::format("protocol violation: hello line nested deeper than {} levels", max_message_depth);
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(line, nullptr, false);
  // Each member's type is checked before it is read: nlohmann's value() and get() throw on a
  // mismatch, and a driver writing "fdconform_driver": "1" must get a message, not end the run.
  auto version = j.is_object() ? j.find("fdconform_driver") : j.end();
  bool ok = j.is_object() && version != j.end() && version->is_number() && *version == 1 &&
            j.contains("implementation") && j["implementation"].is_object();
  if (!ok) {
    error = fmt::format("protocol violation: expected a hello line {{\"fdconform_driver\": 1, \"implementation\": "
                        "{{...}}}}, got '{}'",
                        quoted_excerpt(line));
    return std::nullopt;
  }
  const auto& impl = j["implementation"];
  DriverHello hello{string_member(impl, "id"),       string_member(impl, "name"),   string_member(impl, "version"),
                    string_member(impl, "language"), string_member(impl, "detail"), {}, {},
                    j};
  if (auto s = j.find("semantics"); s != j.end() && s->is_object())
    for (const auto& [standard, version] : s->items())
      if (version.is_string()) hello.semantics[standard] = version.get<std::string>();
  if (auto f = j.find("features"); f != j.end() && f->is_array())
    for (const auto& feature : *f)
      if (feature.is_string()) hello.features.push_back(feature.get<std::string>());
  return hello;
}

std::optional<nlohmann::json> parse_result_line(std::string_view line, std::string& error) {
  if (nests_deeper_than(line, max_message_depth)) {
    error = fmt::format("protocol violation: result line nested deeper than {} levels", max_message_depth);
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = fmt::format("protocol violation: expected a JSON result line, got '{}'", quoted_excerpt(line));
    return std::nullopt;
  }
  auto result = j.find("result");
  if (result == j.end() || !result->is_number() || *result != 1) {
    error = fmt::format("protocol violation: expected a result line {{\"result\": 1, ...}}, got '{}'",
                        quoted_excerpt(line));
    return std::nullopt;
  }
  return j;
}

}  // namespace fdconform
