#include "report/results_document.hpp"

#include <filesystem>

#include "run/utf8_text.hpp"

namespace fdconform {
namespace {

std::vector<reports::FieldMismatch> mismatches(const std::vector<FieldDifference>& diff) {
  std::vector<reports::FieldMismatch> out;
  for (const auto& d : diff) out.push_back({d.field, d.expected, d.actual});
  return out;
}

// A driver may name the host it ran on in its hello ("implementation.host"); text as the parser reads it.
std::string hello_host(const nlohmann::json& raw) {
  if (!raw.is_object() || !raw.contains("implementation") || !raw["implementation"].is_object() ||
      !raw["implementation"].contains("host"))
    return {};
  const auto& host = raw["implementation"]["host"];
  if (host.is_null()) return {};
  return host.is_string() ? host.get<std::string>() : host.dump();
}

reports::Implementation implementation(const Column& c) {
  reports::Implementation impl;
  impl.id = c.descriptor.id;
  impl.name = c.hello.name;
  impl.version = c.hello.version;
  impl.detail = c.hello.detail;
  impl.host = hello_host(c.hello.raw);
  impl.language = c.hello.language;
  impl.features = c.hello.features;
  impl.argv = c.descriptor.argv;
  impl.variant = c.descriptor.variant;
  impl.rerun = c.descriptor.rerun;
  if (!c.available) impl.unavailable = c.unavailable;
  return impl;
}

reports::Scenario scenario(const Scenario& s) {
  reports::Scenario out;
  out.id = s.id;
  out.title = s.title;
  out.description = s.description;
  out.file = s.file;
  out.line = 1;
  out.tags = s.tags;
  out.covers = s.covers;
  out.source = s.source;
  out.yaml = s.yaml;
  return out;
}

// The default expectation directory is the source tree's, by absolute path; a report names it from where
// the run was started when it lies below, as a reader at the same place would type it.
std::string shown_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec || path.empty() || path.front() != '/') return path;
  const auto relative = std::filesystem::path(path).lexically_relative(cwd);
  if (relative.empty() || *relative.begin() == "..") return path;
  return relative.string();
}

// Every entry that judged the cell, in file order: the document shows the first and lists the others in
// its "also", so a reader of one entry is never misled about the rest.
std::vector<reports::ExpectationNote> expectation_notes(const std::vector<ExpectationSource>& sources) {
  std::vector<reports::ExpectationNote> notes;
  for (const auto& source : sources) notes.push_back({source.reason, source.link, shown_path(source.file), source.line});
  return notes;
}

reports::Cell cell(const RunRecord& run, const JudgedCell& judged) {
  const auto& j = judged.judgement;
  reports::Cell out;
  out.scenario = (*run.scenarios)[judged.scenario].id;
  out.implementation = (*run.columns)[judged.column].descriptor.id;
  // Both enums spell the verdicts of docs/RESULTS.md; the name is the link between them.
  out.verdict = reports::parse_verdict(to_string(j.verdict)).value_or(reports::Verdict::error);
  out.reason = j.reason;
  out.observation = judged.observation.observation;
  out.diff = mismatches(j.diff);
  out.expectation_failures = mismatches(j.expectation_failures);
  out.duration_ms = judged.duration_ms;
  out.observation_class = judged.observation_class;
  out.expectation = expectation_notes(j.expectation);
  if (j.verdict == Verdict::no_api) out.capability = judged.observation.capability;
  return out;
}

// One entry per problem. A path error reads "path: why"; the path is the part before the first ": ".
std::vector<reports::InvalidScenario> invalid_scenarios(const RunRecord& run) {
  std::vector<reports::InvalidScenario> list;
  for (const auto& problem : run.unusable_paths) {
    auto colon = problem.find(": ");
    std::string file = colon == std::string::npos ? problem : problem.substr(0, colon);
    std::string message = colon == std::string::npos ? problem : problem.substr(colon + 2);
    list.push_back({file, 1, 1, message});
  }
  for (const auto& d : run.invalid_scenarios) list.push_back({d.file, d.line, d.column, d.message});
  return list;
}

}  // namespace

reports::Results results_of(const RunRecord& run) {
  reports::Results results;
  results.complete = run.complete;
  results.fdconform = run.fdconform;
  results.environments = {run.environment};
  results.reference = (*run.columns)[run.reference_column].descriptor.id;
  for (const auto& c : *run.columns) results.implementations.push_back(implementation(c));
  for (const auto& s : *run.scenarios) results.scenarios.push_back(scenario(s));
  for (const auto& judged : run.cells) results.cells.push_back(cell(run, judged));
  results.invalid_scenarios = invalid_scenarios(run);
  if (run.unmatched_expectations) {
    results.unmatched_expectations.emplace();
    for (const auto& u : *run.unmatched_expectations)
      results.unmatched_expectations->push_back({u.file, u.line, u.scenario, u.why});
  }
  return results;
}

nlohmann::json results_document(const RunRecord& run) {
  nlohmann::json doc = reports::write_results(results_of(run));
  make_valid_utf8(doc);
  return doc;
}

}  // namespace fdconform
