#pragma once
// A driver descriptor (docs/PROTOCOL.md "Driver descriptors"): one column of the matrix.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fdconform {

struct DriverDescriptor {
  std::string id;
  std::vector<std::string> argv;
  nlohmann::json variant = nlohmann::json::object();
  // How strongly this column is the default reference: a dotted number, compared as versions, the
  // highest wins; empty: never the default reference (docs/DRIVERS.md "The descriptor").
  std::string reference_rank;
  // The `fdconform run` arguments that bring this column into a run, for printed rerun commands;
  // empty for a column every run has.
  std::vector<std::string> rerun;
  // Files the driver needs besides argv[0] (a script it runs): a missing one makes the column
  // unavailable with the path named, before anything is started.
  std::vector<std::string> files;
  // In a run that selects no columns (no --impl): every discovered column that says so, and every
  // column from --driver or --with.
  bool default_column = false;
  // Set by discovery when the column cannot run here (no interpreter, no toolchain): why, in one line.
  std::string unavailable;
};

// Reads `--driver FILE.json`: one descriptor object, or a list of them. Throws std::runtime_error
// with a message naming the file and what was expected.
std::vector<DriverDescriptor> read_descriptor_file(const std::string& path);

// Parses one descriptor; throws std::runtime_error saying what was expected.
DriverDescriptor parse_descriptor(const nlohmann::json& j);

// A discovered column that cannot run here: only "id" and "default" (the caller keeps the reason).
DriverDescriptor parse_unavailable_descriptor(const nlohmann::json& j);

}  // namespace fdconform
