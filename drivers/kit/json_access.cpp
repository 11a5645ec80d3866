#include "json_access.hpp"

#include <fmt/format.h>

namespace kit {

std::string describe_type(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer() || value.is_number_unsigned()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  return "a mapping";
}

static RequestError expected(std::string_view where, std::string_view what, const Json& got) {
  return RequestError(fmt::format("{}: expected {}, got {}", where, what, describe_type(got)));
}

const Json* member(const Json& object, std::string_view key, std::string_view where) {
  if (!object.is_object()) throw expected(where, "a mapping", object);
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_at(const Json& value, std::string_view where) {
  if (!value.is_string()) throw expected(where, "a string", value);
  return value.get<std::string>();
}

long long integer_at(const Json& value, std::string_view where) {
  if (value.is_number_unsigned()) {
    auto u = value.get<unsigned long long>();
    if (u > static_cast<unsigned long long>(INT64_MAX)) throw RequestError(fmt::format("{}: integer out of range", where));
    return static_cast<long long>(u);
  }
  if (!value.is_number_integer()) throw expected(where, "an integer", value);
  return value.get<long long>();
}

bool boolean_at(const Json& value, std::string_view where) {
  if (!value.is_boolean()) throw expected(where, "a boolean", value);
  return value.get<bool>();
}

bool truth_value_at(const Json& value, std::string_view where) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_object() && value.size() == 1) {
    if (value.contains("str") && value["str"].is_string()) return !value["str"].get<std::string>().empty();
    if (value.contains("none") && value["none"] == true) return false;
  }
  throw expected(where, "a boolean, {\"str\": TEXT} or {\"none\": true}", value);
}

const Json& object_at(const Json& value, std::string_view where) {
  if (!value.is_object()) throw expected(where, "a mapping", value);
  return value;
}

const Json& array_at(const Json& value, std::string_view where) {
  if (!value.is_array()) throw expected(where, "a list", value);
  return value;
}

unsigned octal_at(const Json& value, std::string_view where) {
  std::string text = string_at(value, where);
  if (text.empty() || text.size() > 4) throw RequestError(fmt::format("{}: expected an octal string such as \"022\", got \"{}\"", where, text));
  unsigned result = 0;
  for (char c : text) {
    if (c < '0' || c > '7') throw RequestError(fmt::format("{}: expected an octal string such as \"022\", got \"{}\"", where, text));
    result = result * 8 + static_cast<unsigned>(c - '0');
  }
  if (result > 07777) throw RequestError(fmt::format("{}: octal value {} is out of range", where, text));
  return result;
}

}  // namespace kit

namespace kit {

SingleEntry single_entry(const Json& object, std::string_view where, std::string_view expected_keys) {
  if (!object.is_object() || object.size() != 1)
    throw RequestError(fmt::format("{}: expected a mapping with exactly one of {}", where, expected_keys));
  auto it = object.begin();
  return SingleEntry{it.key(), it.value()};
}

}  // namespace kit
