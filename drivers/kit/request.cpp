#include "request.hpp"

#include <fmt/format.h>

#include "adapter.hpp"

namespace kit {

std::string scenario_id_of(const Json& request) {
  if (!request.is_object()) return "";
  auto scenario = request.find("scenario");
  if (scenario == request.end() || !scenario->is_object()) return "";
  auto id = scenario->find("id");
  if (id == scenario->end() || !id->is_string()) return "";
  return id->get<std::string>();
}

static Deviation deviation_from(const Json& value) {
  std::string name = string_at(value, "request.variant.deviate");
  if (name == "umask") return Deviation::umask;
  if (name == "extra_fd") return Deviation::extra_fd;
  if (name == "parent_leak") return Deviation::parent_leak;
  throw RequestError(
      fmt::format("request.variant.deviate: expected \"umask\", \"extra_fd\" or \"parent_leak\", got \"{}\"", name));
}

Request parse_request(const Json& request, const SpawnAdapter& adapter) {
  object_at(request, "request");
  const Json* version = member(request, "request", "request");
  if (!version || integer_at(*version, "request.request") != 1)
    throw RequestError("request: expected \"request\": 1 (protocol version 1)");

  Request parsed;
  const Json* scenario = member(request, "scenario", "request");
  if (!scenario) throw RequestError("request.scenario: missing");
  parsed.scenario = object_at(*scenario, "request.scenario");
  const Json* id = member(parsed.scenario, "id", "request.scenario");
  if (!id) throw RequestError("request.scenario.id: missing");
  parsed.scenario_id = string_at(*id, "request.scenario.id");
  const bool has_spawn = member(parsed.scenario, "spawn", "request.scenario") != nullptr;
  const bool has_steps = member(parsed.scenario, "steps", "request.scenario") != nullptr;
  if (has_spawn == has_steps)
    throw RequestError(fmt::format("request.scenario: expected exactly one of spawn and steps, got {}",
                                   has_spawn ? "both" : "neither"));

  const Json* workdir = member(request, "workdir", "request");
  if (!workdir) throw RequestError("request.workdir: missing");
  parsed.workdir = string_at(*workdir, "request.workdir");
  if (parsed.workdir.empty() || parsed.workdir.front() != '/')
    throw RequestError(fmt::format("request.workdir: expected an absolute path, got \"{}\"", parsed.workdir));

  const Json* probe = member(request, "probe", "request");
  if (!probe) throw RequestError("request.probe: missing");
  parsed.probe = string_at(*probe, "request.probe");

  if (const Json* timeout = member(request, "timeout_ms", "request")) {
    long long ms = integer_at(*timeout, "request.timeout_ms");
    if (ms <= 0 || ms > 24LL * 3600 * 1000) throw RequestError(fmt::format("request.timeout_ms: expected 1..86400000, got {}", ms));
    parsed.timeout_ms = static_cast<int>(ms);
  }

  if (const Json* variant = member(request, "variant", "request")) {
    parsed.variant = object_at(*variant, "request.variant");
    if (const Json* deviate = member(*variant, "deviate", "request.variant")) parsed.deviation = deviation_from(*deviate);
  }
  parsed.implementation = adapter.implementation_id(parsed.variant);
  return parsed;
}

}  // namespace kit
