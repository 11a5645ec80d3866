#include "session/descriptor.hpp"

#include <fmt/format.h>

#include "scenario/version_gate.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fdconform {

namespace {

std::vector<std::string> string_list(const nlohmann::json& j, const char* key, bool allow_empty) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const auto& list = j[key];
  const std::string expected =
      fmt::format("\"{}\": expected a {}list of non-empty strings", key, allow_empty ? "" : "non-empty ");
  if (!list.is_array() || (!allow_empty && list.empty())) throw std::runtime_error(expected);
  for (const auto& item : list) {
    if (!item.is_string() || item.get<std::string>().empty()) throw std::runtime_error(expected);
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The keys every column has, runnable or not.
DriverDescriptor identity(const nlohmann::json& j) {
  DriverDescriptor d;
  if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty())
    throw std::runtime_error("\"id\": expected a non-empty string");
  d.id = j["id"].get<std::string>();
  if (j.contains("default")) {
    if (!j["default"].is_boolean()) throw std::runtime_error("\"default\": expected true or false");
    d.default_column = j["default"].get<bool>();
  }
  return d;
}

}  // namespace

DriverDescriptor parse_unavailable_descriptor(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("expected an object {\"id\", \"unavailable\"}");
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "default")
      throw std::runtime_error(fmt::format("unknown key '{}' beside \"unavailable\": expected id, default", key));
  return identity(j);
}

DriverDescriptor parse_descriptor(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("expected a descriptor object {\"id\", \"argv\", \"variant\"}");
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "argv" && key != "variant" && key != "reference_rank" && key != "files" &&
        key != "default")
      throw std::runtime_error(
          fmt::format("unknown key '{}': expected id, argv, variant, reference_rank, files, default", key));
  DriverDescriptor d = identity(j);
  if (!j.contains("argv")) throw std::runtime_error("\"argv\": expected a non-empty list of non-empty strings");
  d.argv = string_list(j, "argv", false);
  d.files = string_list(j, "files", true);
  if (j.contains("reference_rank")) {
    const auto& rank = j["reference_rank"];
    if (!rank.is_string() || !is_dotted_version(rank.get<std::string>()))
      throw std::runtime_error("\"reference_rank\": expected a dotted number such as \"1.3.13\"");
    d.reference_rank = rank.get<std::string>();
  }
  if (j.contains("variant")) {
    if (!j["variant"].is_object()) throw std::runtime_error("\"variant\": expected an object");
    d.variant = j["variant"];
  }
  return d;
}

std::vector<DriverDescriptor> read_descriptor_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open driver descriptor", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(fmt::format("{}: not valid JSON: expected a driver descriptor", path));
  std::vector<DriverDescriptor> out;
  try {
    if (j.is_array())
      for (const auto& item : j) out.push_back(parse_descriptor(item));
    else
      out.push_back(parse_descriptor(j));
    for (auto& d : out) {
      d.rerun = {"--driver", path};
      d.default_column = true;  // the user named the file: its columns are in the run
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
  return out;
}

}  // namespace fdconform
