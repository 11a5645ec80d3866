#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "reports/results.hpp"

namespace reports {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw ResultsError(fmt::format("results document: {}: {}", where, what));
}

const json* member(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return nullptr;
  return &*found;
}

std::string required_string(const json& object, const char* key, const std::string& where) {
  const json* value = member(object, key);
  if (!value || !value->is_string()) fail(where, fmt::format("expected a string member \"{}\"", key));
  return value->get<std::string>();
}

// Optional text members: absent or null is empty; numbers and booleans are shown as JSON.
std::string optional_text(const json& object, const char* key) {
  const json* value = member(object, key);
  if (!value) return {};
  if (value->is_string()) return value->get<std::string>();
  return value->dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> string_list(const json& object, const char* key, const std::string& where) {
  std::vector<std::string> out;
  const json* value = member(object, key);
  if (!value) return out;
  if (!value->is_array()) fail(where, fmt::format("expected \"{}\" to be an array of strings", key));
  for (const auto& item : *value) out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  return out;
}

const json& required_array(const json& object, const char* key, const std::string& where) {
  const json* value = member(object, key);
  if (!value || !value->is_array()) fail(where, fmt::format("expected an array member \"{}\"", key));
  return *value;
}

std::optional<std::string> side_value(const json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<FieldMismatch> mismatches(const json& cell, const char* key, const std::string& where) {
  std::vector<FieldMismatch> out;
  const json* list = member(cell, key);
  if (!list) return out;
  if (!list->is_array()) fail(where, fmt::format("expected \"{}\" to be an array", key));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    std::string here = fmt::format("{}.{}[{}]", where, key, i);
    if (!entry.is_object()) fail(here, "expected an object with field, expected, actual");
    FieldMismatch mismatch;
    mismatch.field = required_string(entry, "field", here);
    mismatch.expected = side_value(entry.value("expected", json()));
    mismatch.actual = side_value(entry.value("actual", json()));
    out.push_back(std::move(mismatch));
  }
  return out;
}

ExpectationNote expectation_note(const json& entry, const std::string& where) {
  if (!entry.is_object()) fail(where, "expected an object with reason, link, file, line");
  ExpectationNote note;
  note.reason = optional_text(entry, "reason");
  note.link = optional_text(entry, "link");
  note.file = optional_text(entry, "file");
  if (const json* line = member(entry, "line"); line && line->is_number_integer())
    note.line = static_cast<int>(std::clamp<long long>(line->get<long long>(), 0, 1 << 30));
  return note;
}

std::vector<ExpectationNote> expectation_notes(const json& cell, const std::string& where) {
  std::vector<ExpectationNote> notes;
  const json* expectation = member(cell, "expectation");
  if (!expectation) return notes;
  notes.push_back(expectation_note(*expectation, where + ".expectation"));
  const json* also = member(*expectation, "also");
  if (!also) return notes;
  if (!also->is_array()) fail(where + ".expectation", "expected \"also\" to be an array");
  for (std::size_t i = 0; i < also->size(); ++i)
    notes.push_back(expectation_note((*also)[i], fmt::format("{}.expectation.also[{}]", where, i)));
  return notes;
}

InvalidScenario parse_invalid_scenario(const json& entry, const std::string& where) {
  if (!entry.is_object()) fail(where, "expected an object with file, line, column, message");
  InvalidScenario invalid;
  invalid.file = required_string(entry, "file", where);
  invalid.message = optional_text(entry, "message");
  for (auto [key, target] : {std::pair{"line", &invalid.line}, std::pair{"column", &invalid.column}})
    if (const json* number = member(entry, key); number && number->is_number_integer())
      *target = static_cast<int>(std::clamp<long long>(number->get<long long>(), 1, 1 << 30));
  return invalid;
}

Implementation parse_implementation(const json& entry, const std::string& where) {
  if (!entry.is_object()) fail(where, "expected an object");
  Implementation impl;
  impl.id = required_string(entry, "id", where);
  impl.name = optional_text(entry, "name");
  impl.version = optional_text(entry, "version");
  impl.detail = optional_text(entry, "detail");
  impl.host = optional_text(entry, "host");
  impl.features = string_list(entry, "features", where);
  impl.argv = string_list(entry, "argv", where);
  impl.rerun = string_list(entry, "rerun", where);
  impl.language = optional_text(entry, "language");
  if (const json* variant = member(entry, "variant"); variant && variant->is_object()) impl.variant = *variant;
  impl.unavailable = optional_text(entry, "unavailable");
  return impl;
}

Scenario parse_scenario(const json& entry, const std::string& where) {
  if (!entry.is_object()) fail(where, "expected an object");
  Scenario scenario;
  scenario.id = required_string(entry, "id", where);
  scenario.title = optional_text(entry, "title");
  scenario.description = optional_text(entry, "description");
  scenario.file = optional_text(entry, "file");
  if (const json* line = member(entry, "line"); line && line->is_number_integer())
    scenario.line = std::max(1, line->get<int>());
  scenario.tags = string_list(entry, "tags", where);
  scenario.covers = string_list(entry, "covers", where);
  scenario.source = optional_text(entry, "source");
  scenario.yaml = optional_text(entry, "yaml");
  return scenario;
}

Cell parse_cell(const json& entry, const std::string& where) {
  if (!entry.is_object()) fail(where, "expected an object");
  Cell cell;
  cell.scenario = required_string(entry, "scenario", where);
  cell.implementation = required_string(entry, "implementation", where);
  std::string verdict = required_string(entry, "verdict", where);
  auto parsed = parse_verdict(verdict);
  if (!parsed)
    fail(where, fmt::format("unknown verdict \"{}\" (expected match, differ, expected-differ, "
                            "unexpected-pass, skip, error or no-api)", verdict));
  cell.verdict = *parsed;
  cell.reason = optional_text(entry, "reason");
  if (const json* observation = member(entry, "observation")) {
    if (!observation->is_object()) fail(where, "expected \"observation\" to be an object of field -> value");
    Observation fields;
    for (const auto& [field, value] : observation->items())
      if (auto text = side_value(value)) fields.emplace(field, *text);
    cell.observation = std::move(fields);
  }
  cell.diff = mismatches(entry, "diff", where);
  cell.expectation_failures = mismatches(entry, "expectation_failures", where);
  if (const json* duration = member(entry, "duration_ms"); duration && duration->is_number())
    cell.duration_ms = duration->get<double>();
  cell.expectation = expectation_notes(entry, where);
  if (const json* observation_class = member(entry, "class"); observation_class && observation_class->is_number_integer())
    cell.observation_class = static_cast<int>(std::clamp<long long>(observation_class->get<long long>(), 0, 1 << 30));
  cell.capability = optional_text(entry, "capability");
  return cell;
}

}  // namespace

Results parse_results(const json& document) {
  if (!document.is_object()) fail("top level", "expected a JSON object");
  const json* version = member(document, "fdconform_results");
  if (!version || !version->is_number_integer())
    fail("top level", "expected \"fdconform_results\": 1 (is this a results document?)");
  if (version->get<long long>() != 1)
    fail("fdconform_results", fmt::format("schema version {} is not supported (expected 1)", version->dump()));

  Results results;
  if (const json* complete = member(document, "complete"); complete && complete->is_boolean())
    results.complete = complete->get<bool>();
  if (const json* fdconform = member(document, "fdconform"); fdconform && fdconform->is_object())
    results.fdconform = *fdconform;
  if (const json* environments = member(document, "environments"); environments && environments->is_array()) {
    for (const auto& environment : *environments)
      if (environment.is_object()) results.environments.push_back(environment);
  } else if (const json* environment = member(document, "environment"); environment && environment->is_object()) {
    results.environments.push_back(*environment);
  }
  results.reference = optional_text(document, "reference");

  std::set<std::string> implementation_ids, scenario_ids;
  const json& implementations = required_array(document, "implementations", "top level");
  for (std::size_t i = 0; i < implementations.size(); ++i) {
    auto impl = parse_implementation(implementations[i], fmt::format("implementations[{}]", i));
    if (!implementation_ids.insert(impl.id).second)
      fail(fmt::format("implementations[{}]", i), fmt::format("duplicate implementation id \"{}\"", impl.id));
    results.implementations.push_back(std::move(impl));
  }
  const json& scenarios = required_array(document, "scenarios", "top level");
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    auto scenario = parse_scenario(scenarios[i], fmt::format("scenarios[{}]", i));
    if (!scenario_ids.insert(scenario.id).second)
      fail(fmt::format("scenarios[{}]", i), fmt::format("duplicate scenario id \"{}\"", scenario.id));
    results.scenarios.push_back(std::move(scenario));
  }
  const json& cells = required_array(document, "cells", "top level");
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    std::string where = fmt::format("cells[{}]", i);
    auto cell = parse_cell(cells[i], where);
    if (!scenario_ids.count(cell.scenario))
      fail(where, fmt::format("scenario \"{}\" is not in \"scenarios\"", cell.scenario));
    if (!implementation_ids.count(cell.implementation))
      fail(where, fmt::format("implementation \"{}\" is not in \"implementations\"", cell.implementation));
    if (!seen.emplace(cell.scenario, cell.implementation).second)
      fail(where, fmt::format("a second cell for scenario \"{}\" on \"{}\"", cell.scenario, cell.implementation));
    results.cells.push_back(std::move(cell));
  }
  if (const json* invalid = member(document, "invalid_scenarios")) {
    if (!invalid->is_array()) fail("top level", "expected \"invalid_scenarios\" to be an array");
    for (std::size_t i = 0; i < invalid->size(); ++i)
      results.invalid_scenarios.push_back(parse_invalid_scenario((*invalid)[i], fmt::format("invalid_scenarios[{}]", i)));
  }
  if (const json* unmatched = member(document, "unmatched_expectations"); unmatched && unmatched->is_array()) {
    results.unmatched_expectations.emplace();
    for (const auto& entry : *unmatched) {
      if (!entry.is_object()) continue;
      UnmatchedExpectation u;
      u.file = optional_text(entry, "file");
      if (const json* line = member(entry, "line"); line && line->is_number_integer())
        u.line = static_cast<int>(std::clamp<long long>(line->get<long long>(), 1, 1 << 30));
      u.scenario = optional_text(entry, "scenario");
      u.why = optional_text(entry, "why");
      results.unmatched_expectations->push_back(std::move(u));
    }
  }
  return results;
}

std::vector<std::string> invalid_scenario_files(const Results& results) {
  std::vector<std::string> files;
  std::set<std::string> seen;
  for (const auto& invalid : results.invalid_scenarios)
    if (seen.insert(invalid.file).second) files.push_back(invalid.file);
  return files;
}

}  // namespace reports
