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
};

// Reads `--driver FILE.json`: one descriptor object, or a list of them. Throws std::runtime_error
// with a message naming the file and what was expected.
std::vector<DriverDescriptor> read_descriptor_file(const std::string& path);

// Parses one descriptor; throws std::runtime_error saying what was expected.
DriverDescriptor parse_descriptor(const nlohmann::json& j);

}  // namespace fdconform
