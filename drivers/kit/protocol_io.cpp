#include "protocol_io.hpp"

#include <algorithm>
#include <iostream>
#include <vector>

#include "adapter.hpp"
#include "fdconform_common/signal_names.hpp"

namespace kit {

Json hello_message(const Hello& hello) {
  Json features = Json::array();
  for (const auto& feature : hello.features) features.push_back(feature);
  Json message{{"fdconform_driver", 1},
              {"implementation",
               {{"id", hello.id},
                {"name", hello.name},
                {"version", hello.version},
                {"language", hello.language},
                {"detail", hello.detail}}},
              {"semantics", hello.semantics},
              {"features", features}};
  const Json runtime_owned = with_startup_signals(hello.runtime_owned, hello.startup_signals);
  if (!runtime_owned.is_null()) message["runtime_owned"] = runtime_owned;
  return message;
}

Json with_startup_signals(Json runtime_owned, const StartupSignals& startup) {
  if (startup.empty()) return runtime_owned;
  std::vector<int> numbers = startup.ignored;
  numbers.insert(numbers.end(), startup.caught.begin(), startup.caught.end());
  std::sort(numbers.begin(), numbers.end());
  if (runtime_owned.is_null())
    runtime_owned = Json{{"fds", Json::array()}, {"signals", Json::array()}, {"process", Json::array()}};
  Json& signals = runtime_owned["signals"];
  for (int number : numbers) {
    const std::string name = fdconform_common::signal_name(number);
    if (std::find(signals.begin(), signals.end(), Json(name)) == signals.end()) signals.push_back(name);
  }
  return runtime_owned;
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

Json no_api_result(const std::string& scenario_id, const std::string& implementation, const std::string& capability) {
  Json result = empty_result(scenario_id, implementation);
  result["status"] = "no_api";
  result["capability"] = capability;
  return result;
}

void write_message(const Json& message) {
  // Replace invalid UTF-8 (a filename can hold any byte) rather than throw.
  std::cout << message.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

}  // namespace kit
