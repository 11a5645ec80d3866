// The JSON Lines of docs/PROTOCOL.md as a driver on the kit writes them.
#pragma once

#include <string>

#include "json_access.hpp"

namespace kit {

struct Hello;
struct StartupSignals;

Json hello_message(const Hello& hello);

// `runtime_owned` (null or {fds, signals, process}) with the start-up signals'
// names added to its "signals": what a column's runtime sets up is not the scenario's.
Json with_startup_signals(Json runtime_owned, const StartupSignals& startup);

// A result with every key present and nothing observed yet.
Json empty_result(const std::string& scenario_id, const std::string& implementation);
Json error_result(const std::string& scenario_id, const std::string& implementation, const std::string& reason);
Json skip_result(const std::string& scenario_id, const std::string& implementation, const std::string& reason);
// The implementation cannot express what the scenario asks: `capability`, one line, names what it lacks.
Json no_api_result(const std::string& scenario_id, const std::string& implementation, const std::string& capability);

// One compact line, flushed: the runner reads line by line.
void write_message(const Json& message);

}  // namespace kit
