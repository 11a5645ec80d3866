// Typed reads of the request's JSON that fail with a message naming the key
// and what was expected, so a malformed request becomes a clear error result.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kit {

using Json = nlohmann::ordered_json;

// Anything wrong with the request itself; becomes a result with status "error".
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The member `key` of object `object` (found at `where`), or nullptr when absent or null.
const Json* member(const Json& object, std::string_view key, std::string_view where);

std::string string_at(const Json& value, std::string_view where);
long long integer_at(const Json& value, std::string_view where);
bool boolean_at(const Json& value, std::string_view where);
// A flag CPython 3.12+ reads by truth value (gh-60203): a boolean, or a scenario's wrong-on-purpose
// {"str": TEXT} (true unless empty) or {"none": true} (false), as CPython 3.13 would take them.
bool truth_value_at(const Json& value, std::string_view where);
const Json& object_at(const Json& value, std::string_view where);
const Json& array_at(const Json& value, std::string_view where);

// Parses an octal string such as "022" (the scenario writes modes as strings).
unsigned octal_at(const Json& value, std::string_view where);

std::string describe_type(const Json& value);

}  // namespace kit

namespace kit {

// The one key and value of a single-entry mapping such as {"close": 5}.
struct SingleEntry {
  std::string key;
  const Json& value;
};
SingleEntry single_entry(const Json& object, std::string_view where, std::string_view expected_keys);

}  // namespace kit
