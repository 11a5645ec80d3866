#pragma once
// What every fuzz target asserts about the text the runner would print or write: a crash here is a
// finding, libFuzzer keeps the input.
#include <nlohmann/json.hpp>

#include <string>

#include "scenario/diagnostic.hpp"

namespace fdconform_fuzz {

// results.json and the reports are JSON, and nlohmann's dump() throws on invalid UTF-8: any text that
// can reach them must be valid UTF-8.
inline void require_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
  } catch (const nlohmann::json::exception&) {
    __builtin_trap();
  }
}

inline void require_located(const fdconform::Diagnostic& d) {
  if (d.line < 1 || d.column < 1 || d.message.empty()) __builtin_trap();
  require_utf8(d.to_string());
}

}  // namespace fdconform_fuzz
