#include "reports/results.hpp"
#include "reports/tally.hpp"

namespace reports {
namespace {

using nlohmann::json;

// Empty optional texts are null in the document, as parse_results() reads them back.
json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json side(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json mismatches(const std::vector<FieldMismatch>& list) {
  json out = json::array();
  for (const auto& m : list) out.push_back({{"field", m.field}, {"expected", side(m.expected)}, {"actual", side(m.actual)}});
  return out;
}

json implementation(const Implementation& impl) {
  json out = {{"id", impl.id},           {"name", impl.name},         {"version", impl.version},
              {"detail", impl.detail},   {"features", impl.features}, {"argv", impl.argv},
              {"language", impl.language}, {"variant", impl.variant}, {"rerun", impl.rerun}};
  if (!impl.host.empty()) out["host"] = impl.host;
  if (!impl.unavailable.empty()) out["unavailable"] = impl.unavailable;
  return out;
}

json scenario(const Scenario& s) {
  return {{"id", s.id},     {"title", s.title}, {"description", s.description}, {"file", s.file},
          {"line", s.line}, {"tags", s.tags},   {"covers", s.covers},           {"source", s.source},
          {"yaml", s.yaml}};
}

json expectation_note(const ExpectationNote& note) {
  return {{"reason", note.reason}, {"link", note.link}, {"file", note.file}, {"line", note.line}};
}

// The first entry is the object; the others, when several applied, follow in its "also".
json expectation(const std::vector<ExpectationNote>& notes) {
  json object = expectation_note(notes.front());
  if (notes.size() > 1) {
    object["also"] = json::array();
    for (std::size_t i = 1; i < notes.size(); ++i) object["also"].push_back(expectation_note(notes[i]));
  }
  return object;
}

json cell(const Cell& c) {
  json observation = json::object();
  if (c.observation)
    for (const auto& [field, value] : *c.observation) observation[field] = value;
  json out = {{"scenario", c.scenario},
              {"implementation", c.implementation},
              {"verdict", verdict_name(c.verdict)},
              {"reason", text_or_null(c.reason)},
              {"observation", c.observation ? observation : json(nullptr)},
              {"diff", mismatches(c.diff)},
              {"expectation_failures", mismatches(c.expectation_failures)},
              {"duration_ms", c.duration_ms},
              {"class", c.observation_class ? json(*c.observation_class) : json(nullptr)}};
  if (!c.expectation.empty()) out["expectation"] = expectation(c.expectation);
  if (c.verdict == Verdict::no_api) out["capability"] = c.capability;
  return out;
}

json summary(const Results& results) {
  const Tally counts = tally(results);
  json out = json::object();
  for (Verdict v : {Verdict::match, Verdict::differ, Verdict::expected_differ, Verdict::unexpected_pass, Verdict::skip,
                    Verdict::error, Verdict::no_api})
    out[std::string(verdict_name(v))] = counts.count(v);
  // Files, not problems: one bad file with five errors is one file the run could not test.
  out["invalid_scenarios"] = counts.invalid_files;
  return out;
}

}  // namespace

json write_results(const Results& results) {
  json doc;
  doc["fdconform_results"] = 1;
  doc["complete"] = results.complete;
  doc["fdconform"] = results.fdconform;
  if (results.environments.size() == 1)
    doc["environment"] = results.environments.front();
  else
    doc["environments"] = results.environments;
  doc["reference"] = results.reference;
  doc["implementations"] = json::array();
  for (const auto& impl : results.implementations) doc["implementations"].push_back(implementation(impl));
  doc["scenarios"] = json::array();
  for (const auto& s : results.scenarios) doc["scenarios"].push_back(scenario(s));
  doc["cells"] = json::array();
  for (const auto& c : results.cells) doc["cells"].push_back(cell(c));
  doc["invalid_scenarios"] = json::array();
  for (const auto& problem : results.invalid_scenarios)
    doc["invalid_scenarios"].push_back(
        {{"file", problem.file}, {"line", problem.line}, {"column", problem.column}, {"message", problem.message}});
  doc["summary"] = summary(results);
  if (results.unmatched_expectations) {
    doc["unmatched_expectations"] = json::array();
    for (const auto& u : *results.unmatched_expectations)
      doc["unmatched_expectations"].push_back({{"file", u.file}, {"line", u.line}, {"scenario", u.scenario}, {"why", u.why}});
  }
  return doc;
}

}  // namespace reports
