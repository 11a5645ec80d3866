#pragma once
// Text that must end up in JSON (results.json, driver requests) but comes from the outside world as bytes:
// directory names, TMPDIR, interpreter paths, a driver's stderr. nlohmann's dump() throws on invalid
// UTF-8, which aborted whole runs; these make any bytes representable with the probe's own rule
// (docs/PROBE.md, "Text as text"), so one byte reads the same in every report.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "scenario/text_checks.hpp"  // is_valid_utf8: the loader's rule, which this file shares

namespace fdconform {

// Well-formed UTF-8 (RFC 3629) is kept as it is; every other byte above 0x7F becomes the code point of
// the same value, U+0080..U+00FF (so a stray 0xff reads "ÿ", as in a probe report).
std::string valid_utf8(std::string_view text);

// Applies valid_utf8 to every string and object key of `value`, in place.
void make_valid_utf8(nlohmann::json& value);

// value.dump(indent), never throwing on text: invalid UTF-8 is mapped as valid_utf8 does.
std::string dump_json(const nlohmann::json& value, int indent = -1);

}  // namespace fdconform
