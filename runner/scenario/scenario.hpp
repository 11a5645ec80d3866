#pragma once
// A validated scenario: the metadata the runner itself needs, plus the JSON every driver receives.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scenario/version_gate.hpp"

namespace fdconform {

// A scenario's `timeout`, the same range as the CLI's --timeout: below a tenth of a second no driver can
// start a scenario parent, so every cell would time out.
inline constexpr double min_timeout_seconds = 0.1;
inline constexpr double max_timeout_seconds = 86400;

struct Requirements {
  bool root = false;
  bool non_root = false;
  std::optional<std::string> kernel;  // minimum kernel release, e.g. "5.9"
  std::optional<VersionGate> python;  // gates columns whose hello states Python semantics
  std::vector<std::string> features;  // capabilities every implementation must announce in its hello
  // From parent.nofile_limit: the soft RLIMIT_NOFILE the scenario parent sets, which the
  // machine's hard limit (the runner's, which every driver inherits) must allow.
  std::optional<long long> nofile_limit;
};

struct Scenario {
  std::string id;
  std::string title;
  std::string description;
  std::string file;  // as given on the command line
  std::string yaml;  // the file's text, for reports
  std::vector<std::string> covers;
  std::vector<std::string> tags;
  std::vector<std::string> peer;  // peer-suite tests this scenario re-expresses (SUITE/FILE::TEST)
  std::string source;
  Requirements requires_;
  std::optional<double> timeout_seconds;
  // Why this scenario names paths outside its cell's workdir; set, it runs only under --allow-unconfined.
  std::optional<std::string> unconfined;
  nlohmann::json expect = nlohmann::json::object();  // the validated `expect` block (may be empty)
  nlohmann::json json;                                // full scenario with defaults, sent to drivers
};

}  // namespace fdconform
