#include "run/cell_executor.hpp"

#include <fmt/format.h>

#include "normalize/normalizer.hpp"

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

  if (!session || !session->alive()) {
    session = std::make_unique<DriverSession>(column.descriptor, settings.interrupt_fd);
    if (!session->start(settings.hello_timeout)) return with_status(Status::error, session->last_error());
  }
  std::string workdir = run_dir.make_cell_dir(cell_number);
  if (workdir.empty()) return with_status(Status::error, "cannot create the cell's working directory");

  auto timeout = scenario.timeout_seconds
                     ? std::chrono::milliseconds(static_cast<long long>(*scenario.timeout_seconds * 1000))
                     : settings.default_timeout;
  nlohmann::json request = {{"scenario", scenario.json},
                            {"workdir", workdir},
                            {"probe", settings.probe},
                            {"timeout_ms", timeout.count()},
                            {"variant", column.descriptor.variant}};
  auto exchange = session->exchange(std::move(request), timeout + settings.driver_grace);
  CellObservation cell;
  if (!exchange.ok) {
    cell = with_status(Status::error, exchange.error);
  } else {
    const auto& result = exchange.result;
    std::string status = text_member(result, "status");
    std::string reason = text_member(result, "reason");
    if (status == "skip") {
      cell = with_status(Status::skip, reason.empty() ? "skipped by the driver" : reason);
    } else if (status == "error") {
      std::string harness = text_member(result, "harness_error");
      cell = with_status(Status::error, !reason.empty() ? reason : !harness.empty() ? harness : "driver reported an error");
    } else if (status == "ran") {
      PathSubstitution paths{workdir, settings.probe};
      try {
        cell.observation = normalize_result(result, paths);
        cell.parent_state = normalize_parent_state(result, paths);
        cell.status = Status::ran;
      } catch (const std::exception& e) {
        cell = with_status(Status::error, fmt::format("malformed result from {}: {}", column.descriptor.id, e.what()));
      }
    } else {
      cell = with_status(Status::error, fmt::format("protocol violation: result status must be ran, skip or error, "
                                                    "got '{}'",
                                                    status));
    }
  }
  RunDirectory::remove_tree(workdir);
  return cell;
}

}  // namespace fdconform
