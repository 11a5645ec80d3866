// libFuzzer target: what a driver writes (its hello, then result lines) must become a hello, a result
// or a protocol-violation message, never a crash; a result the runner accepts must normalize or be
// refused with a message, and every message must be valid UTF-8 (it goes into results.json).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_checks.hpp"
#include "normalize/normalizer.hpp"
#include "session/protocol_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const fdconform::PathSubstitution paths{"/tmp/fdconform-fuzz/cell-1", "/opt/fdconform/probe"};
  bool first = true;
  for (std::size_t start = 0; start <= input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    start = end + 1;
    std::string error;
    if (first) {
      first = false;
      auto hello = fdconform::parse_hello_line(line, error);
      if (hello.has_value() == !error.empty()) __builtin_trap();
      if (hello) {
        fdconform_fuzz::require_utf8(hello->id);
        for (const auto& f : hello->features) fdconform_fuzz::require_utf8(f);
        (void)hello->raw.dump();
      } else {
        fdconform_fuzz::require_utf8(error);
      }
      continue;
    }
    auto result = fdconform::parse_result_line(line, error);
    if (result.has_value() == !error.empty()) __builtin_trap();
    if (!result) {
      fdconform_fuzz::require_utf8(error);
      continue;
    }
    (void)result->dump();
    // As the cell executor does: a malformed result is an error cell with the exception's message.
    try {
      for (const auto& [field, value] : fdconform::normalize_result(*result, paths)) {
        fdconform_fuzz::require_utf8(field);
        fdconform_fuzz::require_utf8(value);
      }
      for (const auto& [field, value] : fdconform::normalize_parent_state(*result, paths)) {
        fdconform_fuzz::require_utf8(field);
        fdconform_fuzz::require_utf8(value);
      }
    } catch (const std::exception& e) {
      fdconform_fuzz::require_utf8(e.what());
    }
  }
  return 0;
}
