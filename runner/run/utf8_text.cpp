#include "run/utf8_text.hpp"

namespace fdconform {
namespace {

// Length of the well-formed UTF-8 sequence at text[i] (no overlong forms, no surrogates, nothing above
// U+10FFFF), or 0. The same rule as probe/report_json.cpp and is_valid_utf8, so runner, loader and probe
// agree on what is text.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

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
    if (std::size_t length = sequence_length(text, i)) {
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
