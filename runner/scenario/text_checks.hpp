#pragma once
// Checks on an input file before YAML sees it: what kind of file it is, its size, NUL bytes, UTF-8,
// line endings, and tabs where YAML expects indentation.
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "scenario/diagnostic.hpp"

namespace fdconform {

inline constexpr std::size_t max_scenario_bytes = 1024 * 1024;

// Reads a whole regular file, refusing anything larger than `max_bytes`. FIFOs, sockets, devices and
// directories are refused before anything could block on them ("a FIFO, expected a regular file");
// symbolic links are followed, since reading what one names is harmless.
// On failure returns nullopt and fills `problem` (located at 1:1). `what` names the file in messages
// ("a scenario", "an expectation file").
std::optional<std::string> read_input_file(const std::string& path, std::size_t max_bytes, std::string_view what,
                                           Diagnostic& problem);

// read_input_file for scenarios (at most max_scenario_bytes).
std::optional<std::string> read_scenario_file(const std::string& path, Diagnostic& problem);

// Length of the well-formed UTF-8 sequence at text[i] (no overlong form, no surrogate, nothing above
// U+10FFFF), or 0. The one rule of the runner for what is text; the probe applies the same one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Whether every byte sequence of `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// "a FIFO", "a directory", "a socket", ...: how a file that is not a regular file is named in messages.
std::string file_kind(mode_t mode);

// The first reason the text cannot be YAML for us (empty, NUL byte, invalid UTF-8, a carriage return
// without a line feed), located; nullopt when fine. `what` completes "expected ...", as in
// "empty file: expected a scenario mapping with format, id, title, ...".
std::optional<Diagnostic> check_input_text(const std::string& file, std::string_view text, std::string_view expected);

// check_input_text for a scenario.
std::optional<Diagnostic> check_scenario_text(const std::string& file, std::string_view text);

// A tab in the indentation of a line at or before `before_line` (1-based), located; for a YAML syntax
// error, whose own message ("illegal map value") does not say that YAML indents with spaces only.
std::optional<Diagnostic> find_indentation_tab(const std::string& file, std::string_view text, int before_line);

}  // namespace fdconform
