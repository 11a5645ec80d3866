#include "run/results_document.hpp"

#include <filesystem>
#include <set>

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
                      {"language", h.language}, {"variant", c.descriptor.variant},
                      {"rerun", c.descriptor.rerun}};
  if (h.raw.is_object() && h.raw.contains("implementation") && h.raw["implementation"].contains("host"))
    j["host"] = h.raw["implementation"]["host"];
  if (!c.available) j["unavailable"] = c.unavailable;
  return j;
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

nlohmann::json expectation_source(const ExpectationSource& source) {
  return {{"reason", source.reason}, {"link", source.link}, {"file", shown_path(source.file)}, {"line", source.line}};
}

// The entry that judged a cell; when several applicable files each had one, the first (in file order) is the
// object and the others follow in "also", so a reader of one entry is never misled about the rest.
nlohmann::json expectation_object(const std::vector<ExpectationSource>& sources) {
  nlohmann::json object = expectation_source(sources.front());
  if (sources.size() > 1) {
    object["also"] = nlohmann::json::array();
    for (std::size_t i = 1; i < sources.size(); ++i) object["also"].push_back(expectation_source(sources[i]));
  }
  return object;
}

// One entry per problem. A path error reads "path: why"; the path is the part before the first ": ".
nlohmann::json invalid_scenarios(const RunRecord& run) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& problem : run.unusable_paths) {
    auto colon = problem.find(": ");
    std::string file = colon == std::string::npos ? problem : problem.substr(0, colon);
    std::string message = colon == std::string::npos ? problem : problem.substr(colon + 2);
    list.push_back({{"file", file}, {"line", 1}, {"column", 1}, {"message", message}});
  }
  for (const auto& d : run.invalid_scenarios)
    list.push_back({{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
  return list;
}

std::size_t distinct_files(const nlohmann::json& problems) {
  std::set<std::string> files;
  for (const auto& p : problems) files.insert(p["file"].get<std::string>());
  return files.size();
}

}  // namespace

nlohmann::json verdict_summary(const std::vector<JudgedCell>& cells) {
  nlohmann::json summary = {{"match", 0}, {"differ", 0}, {"expected-differ", 0},
                            {"unexpected-pass", 0}, {"skip", 0}, {"error", 0}, {"no-api", 0}};
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
    if (!j.expectation.empty()) doc["cells"].back()["expectation"] = expectation_object(j.expectation);
    if (j.verdict == Verdict::no_api) doc["cells"].back()["capability"] = cell.observation.capability;
  }
  doc["invalid_scenarios"] = invalid_scenarios(run);
  doc["summary"] = verdict_summary(run.cells);
  // Files, not problems: one bad file with five errors is one file the run could not test.
  doc["summary"]["invalid_scenarios"] = distinct_files(doc["invalid_scenarios"]);
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
