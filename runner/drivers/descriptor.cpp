#include "drivers/descriptor.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fdconform {

DriverDescriptor parse_descriptor(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("expected a descriptor object {\"id\", \"argv\", \"variant\"}");
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "argv" && key != "variant")
      throw std::runtime_error(fmt::format("unknown key '{}': expected id, argv, variant", key));
  DriverDescriptor d;
  if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty())
    throw std::runtime_error("\"id\": expected a non-empty string");
  d.id = j["id"].get<std::string>();
  if (!j.contains("argv") || !j["argv"].is_array() || j["argv"].empty())
    throw std::runtime_error("\"argv\": expected a non-empty list of strings");
  for (const auto& a : j["argv"]) {
    if (!a.is_string()) throw std::runtime_error("\"argv\": expected a non-empty list of strings");
    d.argv.push_back(a.get<std::string>());
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
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
  return out;
}

}  // namespace fdconform
