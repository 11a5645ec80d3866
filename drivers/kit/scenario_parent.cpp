#include "scenario_parent.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "adapter.hpp"
#include "child_wait.hpp"
#include "confined_paths.hpp"
#include "deviation.hpp"
#include "parent_snapshot.hpp"
#include "parent_state.hpp"
#include "protocol_io.hpp"
#include "runtime_host.hpp"
#include "spawn_from_scenario.hpp"
#include "steps.hpp"

namespace kit {
namespace {

constexpr size_t diagnostics_limit = 4096;

void write_to_channel(const Json& result, int fd = result_channel_fd) {
  std::string text = result.dump(-1, ' ', false, Json::error_handler_t::replace);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the driver is gone: nobody to tell
    done += static_cast<size_t>(n);
  }
}

std::string probe_directory(const std::string& probe) {
  size_t slash = probe.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : probe.substr(0, slash);
}

// docs/PROTOCOL.md "A steps scenario": one entry per spawn with its own
// parent snapshot, outcome and probe report, and what each other step did.
Json replay_steps(const Json& steps, PreparedParent& prepared, const SpawnContext& context, const Request& request,
                  Json result, DeviationInEffect& deviation) {
  const auto deadline = std::chrono::steady_clock::now() + context.timeout;
  StepsRun run = run_steps(steps, prepared, context, request.workdir, deadline);
  end_deviation(deviation, request.deviation);
  if (run.skip) return skip_result(request.scenario_id, request.implementation, *run.skip);
  if (run.no_api) return no_api_result(request.scenario_id, request.implementation, *run.no_api);
  if (run.error) {
    result["status"] = "error";
    result["reason"] = *run.error;
  }
  result["outcome"] = nullptr;
  result["parent_after"] = take_parent_snapshot(result_channel_fd);
  std::string diagnostics = run.diagnostics.substr(0, diagnostics_limit);
  for (size_t i = 0; i < run.spawns.size(); ++i)
    run.spawns[i]["probe"] = run.error ? Json(nullptr) : read_probe_report(run.report_paths[i], diagnostics);
  result["spawns"] = std::move(run.spawns);
  result["steps"] = std::move(run.steps);
  if (!diagnostics.empty()) result["stderr"] = diagnostics;
  return result;
}

Json replay(const Request& request, const SpawnAdapter& adapter) {
  const std::string& implementation = request.implementation;
  const PlaceholderValues placeholders =
      placeholders_for_this_process(request.probe, probe_directory(request.probe), request.workdir);
  PreparedParent prepared = prepare_parent(request.scenario, request.scenario_id, request.workdir, placeholders);

  Json result = empty_result(request.scenario_id, implementation);
  Json parent = take_parent_snapshot(result_channel_fd);
  parent["resources"] = resource_map(prepared);
  if (const RuntimeProgram* runtime = adapter.runtime_program())
    return replay_in_runtime(request, adapter, *runtime, prepared, placeholders, std::move(parent));
  result["parent"] = std::move(parent);

  adopt_orphans();  // not part of the observed state: lets a timeout end the child's whole tree
  DeviationInEffect deviation = start_deviation(request.deviation);
  const std::string report_path = request.workdir + "/probe.json";
  SpawnContext context{adapter,           prepared.resources,
                       placeholders,      "--report=" + report_path,
                       std::chrono::milliseconds(request.timeout_ms),
                       request.variant,   deviation.extra_fd,
                       scenario_is_confined(request.scenario)};
  const Json* steps = member(request.scenario, "steps", "scenario");
  if (steps) return replay_steps(*steps, prepared, context, request, std::move(result), deviation);
  SpawnRun run = spawn_from_scenario(request.scenario.at("spawn"), context);
  end_deviation(deviation, request.deviation);

  if (run.skip) return skip_result(request.scenario_id, implementation, *run.skip);
  if (run.no_api) return no_api_result(request.scenario_id, implementation, *run.no_api);
  if (run.error) {
    result["status"] = "error";
    result["reason"] = *run.error;
  }
  result["outcome"] = run.outcome;
  result["parent_after"] = take_parent_snapshot(result_channel_fd);
  std::string diagnostics = run.diagnostics.substr(0, diagnostics_limit);
  result["probe"] = run.error ? Json(nullptr) : read_probe_report(report_path, diagnostics);
  if (run.path_used) result["path_used"] = *run.path_used;
  if (!diagnostics.empty()) result["stderr"] = diagnostics;
  return result;
}

}  // namespace

void run_scenario_parent(const Request& request, const SpawnAdapter& adapter, const StartupSignals& startup,
                         int channel_fd) {
  const std::string& implementation = request.implementation;
  if (channel_fd != result_channel_fd) {
    if (dup3(channel_fd, result_channel_fd, O_CLOEXEC) < 0) {
      // Typically RLIMIT_NOFILE at or below 1023: say so on the channel as it is.
      int error = errno;
      write_to_channel(error_result(request.scenario_id, implementation,
                                    fmt::format("cannot move the result channel to fd {}: {} (RLIMIT_NOFILE must be "
                                                "above {})",
                                                result_channel_fd, std::generic_category().message(error),
                                                result_channel_fd)),
                       channel_fd);
      _exit(0);
    }
    close(channel_fd);
  }
  if (!redirect_standard_fds(request.workdir, result_channel_fd)) {
    int error = errno;
    write_to_channel(error_result(request.scenario_id, implementation,
                                  fmt::format("cannot create the parent's standard files in {}: {}", request.workdir,
                                              std::generic_category().message(error))));
    _exit(0);
  }
  apply_baseline_signals();
  apply_startup_signals(startup);

  Json result;
  try {
    result = replay(request, adapter);
  } catch (const RequestError& error) {
    result = error_result(request.scenario_id, implementation, fmt::format("malformed scenario: {}", error.what()));
  } catch (const std::system_error& error) {
    result = error_result(request.scenario_id, implementation, fmt::format("scenario parent setup failed: {}", error.what()));
  } catch (const std::exception& error) {
    result = error_result(request.scenario_id, implementation, fmt::format("scenario parent failed: {}", error.what()));
  }
  if (result.value("status", "") == "ran" && !startup.empty())
    result["runtime_owned"] = with_startup_signals(result.value("runtime_owned", Json()), startup);
  write_to_channel(result);
  _exit(0);
}

}  // namespace kit
