#include "run/cell_executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "fdconform_common/probe_status.hpp"
#include "normalize/normalizer.hpp"
#include "normalize/runtime_owned.hpp"
#include "run/interrupt.hpp"

namespace fdconform {
namespace {

CellObservation with_status(CellObservation::Status status, std::string reason) {
  CellObservation c;
  c.status = status;
  c.reason = std::move(reason);
  return c;
}

std::string text_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool names_the_probe(const nlohmann::json& program) {
  if (!program.is_string()) return false;
  const auto& text = program.get_ref<const std::string&>();
  auto slash = text.rfind('/');
  return text.find("{probe}") != std::string::npos ||
         (slash == std::string::npos ? text : text.substr(slash + 1)) == "fdconform-probe";
}

// Whether the program a spawn block runs is the probe (docs/SCENARIO_FORMAT.md: `argv`, `executable`,
// `path`, all defaulting to {probe}); a shell command counts when it mentions the probe. Only then is a
// missing report a failure of the harness rather than the scenario running something else on purpose.
// `spawn` is scenario.spawn, or a steps scenario's spawn step (its `name` is skipped).
bool spawns_the_probe(const nlohmann::json& spawn) {
  if (!spawn.is_object()) return false;
  auto first = spawn.begin();
  // Not a structured binding over items(): nlohmann 3.11.2's iteration proxy loses its iterator there.
  while (first != spawn.end() && first.key() == "name") ++first;
  if (first == spawn.end()) return false;
  const std::string& kind = first.key();
  const nlohmann::json& how = first.value();
  if (!how.is_object()) return false;
  const auto argv = how.find("argv");
  const bool has_argv = argv != how.end() && argv->is_array() && !argv->empty();
  if (kind == "posix_spawn" || kind == "posix_spawnp") return names_the_probe(how.value("path", nlohmann::json()));
  if (kind == "fork_exec") return has_argv && names_the_probe((*argv)[0]);
  if (how.value("shell", false)) {
    if (has_argv)
      for (const auto& word : *argv)
        if (names_the_probe(word)) return true;
    return names_the_probe(how.value("executable", nlohmann::json()));
  }
  const auto executable = how.find("executable");
  if (executable != how.end() && executable->is_string()) return names_the_probe(*executable);
  if (argv != how.end() && argv->is_object()) return names_the_probe(argv->value("pathlike", nlohmann::json()));
  return has_argv && names_the_probe((*argv)[0]);
}

// parent.env.startup: keep hands the parent's environment to the runtime (docs/SCENARIO_FORMAT.md).
RuntimeOwned runtime_owned(const Scenario& scenario) {
  const auto& env = scenario.json.value("parent", nlohmann::json::object()).value("env", nlohmann::json::object());
  return RuntimeOwned{env.is_object() && env.value("startup", std::string("clean")) == "keep"};
}

// parent.env.startup as a mapping: the environment the driver process must start with (the base
// one, changed so), or nullopt when the column's warm driver serves the scenario.
std::optional<std::vector<std::string>> startup_environment(const Scenario& scenario) {
  const auto& env = scenario.json.value("parent", nlohmann::json::object()).value("env", nlohmann::json::object());
  const auto changes = env.is_object() ? env.find("startup_env") : env.end();
  if (!env.is_object() || changes == env.end() || !changes->is_object()) return std::nullopt;
  std::vector<std::string> out;
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  auto changed = [&](const std::string& name) {
    for (const auto& unset : changes->value("unset", nlohmann::json::array()))
      if (unset == name) return true;
    return changes->value("set", nlohmann::json::object()).contains(name);
  };
  for (const auto& entry : driver_environment())
    if (!changed(name_of(entry))) out.push_back(entry);
  const auto set = changes->value("set", nlohmann::json::object());
  for (auto it = set.begin(); it != set.end(); ++it) out.push_back(it.key() + "=" + it.value().get<std::string>());
  return out;
}

// A probe that ran and exited left a report, or something went wrong that no column can show: the probe
// exits 3 when it cannot write its report (docs/PROBE.md: a full or read-only TMPDIR, a file size limit),
// and every column then agrees on "no child fields" and passes. Decided here, once for every driver.
// This is one spawn's report; nullopt when its absence is a real observation.
std::optional<std::string> missing_report(const nlohmann::json& probe, const nlohmann::json& outcome,
                                          const nlohmann::json& spawn, const nlohmann::json& result) {
  if (probe.is_object()) return std::nullopt;
  if (!outcome.is_object() || outcome.value("kind", "") != "exited")
    return std::nullopt;  // an exception before exec, or a signal: no report is expected
  if (!spawns_the_probe(spawn)) return std::nullopt;
  // Any other status without a report is an observation: the child failed before it became the
  // probe (a fork_exec step, an exec error in a shell or a pre-exec child: 126, 127, 255).
  const auto code = outcome.find("returncode");
  if (code == outcome.end() || *code != fdconform_common::probe_report_failed_status) return std::nullopt;
  std::string detail;
  if (auto diagnostics = result.find("stderr"); diagnostics != result.end() && diagnostics->is_string()) {
    std::string text = diagnostics->get<std::string>().substr(0, 300);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (!text.empty()) detail = "; driver diagnostics: " + text;
  }
  return "the probe exited 3: it could not write its report (is TMPDIR full or read-only, or a file size "
         "limit set?)" + detail;
}

// The single spawn's report, or in a steps scenario each spawn's (paired with the spawn steps in order).
std::optional<std::string> missing_report(const nlohmann::json& result, const Scenario& scenario) {
  static const nlohmann::json none;
  const auto steps = scenario.json.find("steps");
  if (steps == scenario.json.end() || !steps->is_array())
    return missing_report(result.value("probe", none), result.value("outcome", none),
                          scenario.json.value("spawn", none), result);
  // Spawn steps in written order, a together step's spawns in place, and after a fork_exec spawn the
  // spawns its child made: the order of result.spawns.
  std::vector<const nlohmann::json*> spawn_blocks;
  for (const auto& step : *steps) {
    if (!step.is_object()) continue;
    if (step.contains("spawn")) {
      spawn_blocks.push_back(&step["spawn"]);
      const auto& fork_exec = step["spawn"].value("fork_exec", nlohmann::json::object());
      if (fork_exec.is_object() && fork_exec.contains("steps") && fork_exec["steps"].is_array())
        for (const auto& child_step : fork_exec["steps"])
          if (child_step.is_object() && child_step.contains("spawn")) spawn_blocks.push_back(&child_step["spawn"]);
    }
    if (step.contains("together") && step["together"].is_array())
      for (const auto& entry : step["together"])
        if (entry.is_object() && entry.contains("spawn")) spawn_blocks.push_back(&entry["spawn"]);
  }
  const auto spawns = result.value("spawns", nlohmann::json::array());
  for (std::size_t i = 0; i < spawns.size() && i < spawn_blocks.size(); ++i) {
    const auto& entry = spawns[i];
    if (!entry.is_object()) continue;
    if (auto why = missing_report(entry.value("probe", none), entry.value("outcome", none), *spawn_blocks[i], result))
      return fmt::format("child {}: {}", entry.value("name", std::string("?")), *why);
  }
  return std::nullopt;
}

}  // namespace

CellObservation execute_cell(const Scenario& scenario, const Column& column, std::unique_ptr<DriverSession>& session,
                             RunDirectory& run_dir, long long cell_number, const CellSettings& settings) {
  using Status = CellObservation::Status;
  if (!column.available) return with_status(Status::error, column.unavailable);
  if (scenario.unconfined && !settings.allow_unconfined)
    return with_status(Status::skip, fmt::format("unconfined scenario ({}): runs only with --allow-unconfined",
                                                 *scenario.unconfined));
  if (auto reason = skip_reason(scenario.requires_, column.hello, settings.host))
    return with_status(Status::skip, *reason);

  // A scenario that chooses the driver's start-up environment gets a driver of its own, started
  // in it and stopped after the cell; the column's warm driver stays as it is.
  std::unique_ptr<DriverSession> own_session;
  const auto environment = startup_environment(scenario);
  if (environment) {
    own_session = std::make_unique<DriverSession>(column.descriptor, settings.interrupt_fd, *environment);
    if (!own_session->start(settings.hello_timeout)) {
      auto cell = with_status(Status::error, own_session->last_error());
      cell.cut_short = interrupt_requested() || interrupt_pipe_readable();
      return cell;
    }
  }
  std::unique_ptr<DriverSession>& serving = own_session ? own_session : session;
  if (!serving || !serving->alive()) {
    session = std::make_unique<DriverSession>(column.descriptor, settings.interrupt_fd);
    if (!session->start(settings.hello_timeout)) {
      auto cell = with_status(Status::error, session->last_error());
      cell.cut_short = interrupt_requested() || interrupt_pipe_readable();
      return cell;
    }
  }
  std::string workdir_error;
  std::string workdir = run_dir.make_cell_dir(cell_number, &workdir_error);
  if (workdir.empty()) return with_status(Status::error, workdir_error);

  auto timeout = scenario.timeout_seconds
                     ? std::chrono::milliseconds(static_cast<long long>(*scenario.timeout_seconds * 1000))
                     : settings.default_timeout;
  nlohmann::json request = {{"scenario", scenario.json},
                            {"workdir", workdir},
                            {"probe", settings.probe},
                            {"timeout_ms", timeout.count()},
                            {"variant", column.descriptor.variant}};
  auto exchange = serving->exchange(std::move(request), timeout + settings.driver_grace);
  CellObservation cell;
  if (!exchange.ok) {
    cell = with_status(Status::error, exchange.error);
    cell.cut_short = interrupt_requested() || interrupt_pipe_readable();
  } else {
    const auto& result = exchange.result;
    std::string status = text_member(result, "status");
    std::string reason = text_member(result, "reason");
    if (status == "skip") {
      cell = with_status(Status::skip, reason.empty() ? "skipped by the driver" : reason);
    } else if (status == "no_api") {
      // The capability is the whole point of the answer: without one, nobody could tell what is missing.
      std::string capability = text_member(result, "capability");
      if (capability.empty() || capability.find('\n') != std::string::npos) {
        cell = with_status(Status::error, "protocol violation: a no_api result names its \"capability\" as one "
                                          "non-empty line (docs/PROTOCOL.md \"Result\")");
      } else {
        cell = with_status(Status::no_api, {});
        cell.capability = std::move(capability);
      }
    } else if (status == "error") {
      std::string harness = text_member(result, "harness_error");
      cell = with_status(Status::error, !reason.empty() ? reason : !harness.empty() ? harness : "driver reported an error");
    } else if (status == "ran") {
      PathSubstitution paths{workdir, settings.probe};
      try {
        cell.runtime_owned = declared_runtime_state(result);
        cell.python_error_words = column.hello.semantics.count("python") > 0;
        cell.observation = normalize_result(result, paths);
        cell.parent_state = normalize_parent_state(result, paths, runtime_owned(scenario));
        cell.status = Status::ran;
        if (auto why = missing_report(result, scenario)) cell = with_status(Status::error, *why);
      } catch (const std::exception& e) {
        cell = with_status(Status::error, fmt::format("malformed result from {}: {}", column.descriptor.id, e.what()));
      }
    } else {
      cell = with_status(Status::error, fmt::format("protocol violation: result status must be ran, skip, no_api or "
                                                    "error, got '{}'",
                                                    status));
    }
  }
  RunDirectory::remove_tree(workdir);
  return cell;
}

}  // namespace fdconform
