#include "protocol_io.hpp"

#include <gnu/libc-version.h>

#include <cstdio>
#include <iostream>

#include "capabilities.hpp"
#include "spawn_core/spawn.hpp"

namespace driver {

std::string path_name(spawn_core::SpawnPath path) {
  return path == spawn_core::SpawnPath::automatic ? "auto" : spawn_core::to_string(path);
}

std::string implementation_id(spawn_core::SpawnPath path) { return "spawn_core-" + path_name(path); }

Json hello_message(spawn_core::SpawnPath path) {
  Json features = Json::array();
  for (const auto& feature : driver_features()) features.push_back(feature);
  return Json{{"fdconform_driver", 1},
              {"implementation",
               {{"id", implementation_id(path)},
                {"name", "spawn_core"},
                {"version", FDCONFORM_VERSION},
                {"language", "c++"},
                {"detail", std::string("spawn_core (CPython ") + implemented_python_version + " semantics), path " +
                               path_name(path) + "; glibc " + gnu_get_libc_version()}}},
              {"semantics", {{"python", implemented_python_version}}},
              {"features", features}};
}

Json empty_result(const std::string& scenario_id, const std::string& implementation) {
  return Json{{"result", 1},       {"scenario", scenario_id}, {"implementation", implementation},
              {"status", "ran"},   {"reason", nullptr},       {"outcome", nullptr},
              {"parent", nullptr}, {"parent_after", nullptr}, {"probe", nullptr}};
}

Json error_result(const std::string& scenario_id, const std::string& implementation, const std::string& reason) {
  Json result = empty_result(scenario_id, implementation);
  result["status"] = "error";
  result["reason"] = reason;
  return result;
}

Json skip_result(const std::string& scenario_id, const std::string& implementation, const std::string& reason) {
  Json result = empty_result(scenario_id, implementation);
  result["status"] = "skip";
  result["reason"] = reason;
  return result;
}

void write_message(const Json& message) {
  // Replace invalid UTF-8 (a filename can hold any byte) rather than throw.
  std::cout << message.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

}  // namespace driver
