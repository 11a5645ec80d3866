#pragma once
// Checks on a scenario file's raw bytes, before YAML sees them: size, NUL bytes, UTF-8.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "scenario/diagnostic.hpp"

namespace fdconform {

inline constexpr std::size_t max_scenario_bytes = 1024 * 1024;

// Reads a whole scenario file, refusing anything larger than max_scenario_bytes.
// On failure returns nullopt and fills `problem` (located at 1:1).
std::optional<std::string> read_scenario_file(const std::string& path, Diagnostic& problem);

// The first reason the text cannot be a scenario (empty, NUL byte, invalid UTF-8), located; nullopt when fine.
std::optional<Diagnostic> check_scenario_text(const std::string& file, std::string_view text);

}  // namespace fdconform
