#include "run/utf8_text.hpp"

namespace fdconform {
namespace {

bool needs_repair(const nlohmann::json& value) {
  if (value.is_string()) return !is_valid_utf8(value.get_ref<const std::string&>());
  if (value.is_object()) {
    for (const auto& [key, item] : value.items())
      if (!is_valid_utf8(key) || needs_repair(item)) return true;
    return false;
  }
  if (value.is_array()) {
    for (const auto& item : value)
      if (needs_repair(item)) return true;
  }
  return false;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (std::size_t length = utf8_sequence_length(text, i)) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i++]);
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

void make_valid_utf8(nlohmann::json& value) {
  if (value.is_string()) {
    auto& text = value.get_ref<std::string&>();
    if (!is_valid_utf8(text)) text = valid_utf8(text);
  } else if (value.is_array()) {
    for (auto& item : value) make_valid_utf8(item);
  } else if (value.is_object()) {
    bool bad_key = false;
    for (auto& [key, item] : value.items()) {
      make_valid_utf8(item);
      bad_key = bad_key || !is_valid_utf8(key);
    }
    if (bad_key) {
      // Keys cannot be renamed in place; two keys that map to the same text keep the later value.
      nlohmann::json repaired = nlohmann::json::object();
      for (auto& [key, item] : value.items()) repaired[valid_utf8(key)] = std::move(item);
      value = std::move(repaired);
    }
  }
}

std::string dump_json(const nlohmann::json& value, int indent) {
  if (!needs_repair(value)) return value.dump(indent);
  nlohmann::json copy = value;
  make_valid_utf8(copy);
  return copy.dump(indent);
}

}  // namespace fdconform
