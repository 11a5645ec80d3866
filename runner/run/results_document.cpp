#include "run/results_document.hpp"

#include "run/utf8_text.hpp"

namespace fdconform {
namespace {

nlohmann::json differences(const std::vector<FieldDifference>& diff) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diff)
    out.push_back({{"field", d.field},
                   {"expected", d.expected ? nlohmann::json(*d.expected) : nlohmann::json(nullptr)},
                   {"actual", d.actual ? nlohmann::json(*d.actual) : nlohmann::json(nullptr)}});
  return out;
}

nlohmann::json implementation(const Column& c) {
  const auto& h = c.hello;
  nlohmann::json j = {{"id", c.descriptor.id},  {"name", h.name},     {"version", h.version},
                      {"detail", h.detail},     {"features", h.features}, {"argv", c.descriptor.argv},
                      {"language", h.language}, {"variant", c.descriptor.variant}};
  if (h.raw.is_object() && h.raw.contains("implementation") && h.raw["implementation"].contains("host"))
    j["host"] = h.raw["implementation"]["host"];
  if (!c.available) j["unavailable"] = c.unavailable;
  return j;
}

}  // namespace

nlohmann::json verdict_summary(const std::vector<JudgedCell>& cells) {
  nlohmann::json summary = {{"match", 0}, {"differ", 0}, {"expected-differ", 0},
                            {"unexpected-pass", 0}, {"skip", 0}, {"error", 0}};
  for (const auto& c : cells) summary[to_string(c.judgement.verdict)] = summary[to_string(c.judgement.verdict)].get<int>() + 1;
  return summary;
}

nlohmann::json results_document(const RunRecord& run) {
  nlohmann::json doc;
  doc["fdconform_results"] = 1;
  doc["complete"] = run.complete;
  doc["fdconform"] = run.fdconform;
  doc["environment"] = run.environment;
  doc["reference"] = (*run.columns)[run.reference_column].descriptor.id;
  doc["implementations"] = nlohmann::json::array();
  for (const auto& c : *run.columns) doc["implementations"].push_back(implementation(c));
  doc["scenarios"] = nlohmann::json::array();
  for (const auto& s : *run.scenarios)
    doc["scenarios"].push_back({{"id", s.id},         {"title", s.title},   {"description", s.description},
                                {"file", s.file},     {"line", 1},          {"tags", s.tags},
                                {"covers", s.covers}, {"source", s.source}, {"yaml", s.yaml}});
  doc["cells"] = nlohmann::json::array();
  for (const auto& cell : run.cells) {
    const auto& j = cell.judgement;
    nlohmann::json observation = nlohmann::json::object();
    for (const auto& [field, value] : cell.observation.observation) observation[field] = value;
    doc["cells"].push_back({
        {"scenario", (*run.scenarios)[cell.scenario].id},
        {"implementation", (*run.columns)[cell.column].descriptor.id},
        {"verdict", to_string(j.verdict)},
        {"reason", j.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.reason)},
        {"observation", observation},
        {"diff", differences(j.diff)},
        {"expectation_failures", differences(j.expectation_failures)},
        {"duration_ms", cell.duration_ms},
        {"class", cell.observation_class ? nlohmann::json(*cell.observation_class) : nlohmann::json(nullptr)},
    });
  }
  doc["summary"] = verdict_summary(run.cells);
  if (run.unmatched_expectations) {
    doc["unmatched_expectations"] = nlohmann::json::array();
    for (const auto& u : *run.unmatched_expectations)
      doc["unmatched_expectations"].push_back(
          {{"file", u.file}, {"line", u.line}, {"scenario", u.scenario}, {"why", u.why}});
  }
  make_valid_utf8(doc);
  return doc;
}

}  // namespace fdconform
