#pragma once
// The lines a driver writes to the runner (docs/PROTOCOL.md), parsed: its hello, then one result line
// per request. Pure functions over the text a driver sent, so the fuzzer can reach them without a process.
// A driver is a program of someone else's (docs/DRIVERS.md): nothing it writes may crash the runner, and
// every error message quotes it as valid UTF-8, since messages end up in results.json.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "session/driver_session.hpp"

namespace fdconform {

// Results nest a few levels (a snapshot, its fd list, an fd's fields); far deeper is a broken driver.
inline constexpr int max_message_depth = 64;

// {"fdconform_driver": 1, "implementation": {...}, "features": [...]}. nullopt with `error` set otherwise.
std::optional<DriverHello> parse_hello_line(std::string_view line, std::string& error);

// A JSON object with "result": 1. nullopt with `error` set otherwise.
std::optional<nlohmann::json> parse_result_line(std::string_view line, std::string& error);

// At most `max` bytes of a driver's output for a message: cut on a UTF-8 boundary, invalid UTF-8 and
// control characters shown as \xNN.
std::string quoted_excerpt(std::string_view text, std::size_t max = 200);

}  // namespace fdconform
