#include "reports/merge.hpp"

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "reports/matrix.hpp"
#include "reports/results.hpp"
#include "reports/tally.hpp"

namespace reports {
namespace {

using nlohmann::json;

std::string host_of(const json& document, std::size_t index) {
  const json& environment = document.contains("environment") ? document["environment"] : json();
  if (environment.is_object() && environment.contains("host") && environment["host"].is_string() &&
      !environment["host"].get<std::string>().empty())
    return environment["host"].get<std::string>();
  return fmt::format("run{}", index + 1);
}

// Column prefixes, one per document: the host name, with "~N" added when two documents come from the
// same host, so every (document, implementation) pair keeps its own column.
std::vector<std::string> document_labels(const std::vector<json>& documents) {
  std::vector<std::string> labels;
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    std::string host = host_of(documents[i], i);
    int n = ++seen[host];
    labels.push_back(n == 1 ? host : fmt::format("{}~{}", host, n));
  }
  return labels;
}

bool needs_prefix(const std::vector<json>& documents) {
  std::set<std::string> hosts, ids;
  bool collision = false;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    hosts.insert(host_of(documents[i], i));
    for (const auto& impl : documents[i]["implementations"])
      collision |= !ids.insert(impl["id"].get<std::string>()).second;
  }
  return hosts.size() > 1 || collision;
}

}  // namespace

json merge(const std::vector<json>& documents) {
  if (documents.empty()) throw ResultsError("merge: expected at least one results document");
  for (std::size_t i = 0; i < documents.size(); ++i) {
    try {
      parse_results(documents[i]);
    } catch (const ResultsError& error) {
      throw ResultsError(fmt::format("merge: document {}: {}", i + 1, error.what()));
    }
  }
  const bool prefix = needs_prefix(documents);
  const std::vector<std::string> labels = document_labels(documents);
  auto column_id = [&](std::size_t document, const std::string& id) {
    return prefix ? labels[document] + "/" + id : id;
  };

  json merged = json::object();
  merged["fdconform_results"] = 1;
  merged["fdconform"] = documents[0].value("fdconform", json::object());
  merged["reference"] = column_id(0, documents[0].value("reference", std::string()));
  merged["implementations"] = json::array();
  merged["scenarios"] = json::array();
  merged["cells"] = json::array();
  merged["environments"] = json::array();
  merged["merged_from"] = json::array();
  bool complete = true;
  std::set<std::string> scenario_ids;

  for (std::size_t d = 0; d < documents.size(); ++d) {
    const json& document = documents[d];
    complete = complete && document.value("complete", true);
    json environment = document.value("environment", json::object());
    if (!environment.is_object()) environment = json::object();
    if (prefix) environment["host"] = labels[d];  // the key the columns' "host" refers to
    merged["environments"].push_back(environment);
    merged["merged_from"].push_back({{"host", labels[d]},
                                     {"fdconform", document.value("fdconform", json::object())},
                                     {"reference", document.value("reference", std::string())},
                                     {"complete", document.value("complete", true)}});
    for (json impl : document["implementations"]) {
      impl["id"] = column_id(d, impl["id"].get<std::string>());
      if (prefix) impl["host"] = labels[d];
      merged["implementations"].push_back(std::move(impl));
    }
    // The first document that has a scenario supplies its text; later ones only add cells.
    for (const auto& scenario : document["scenarios"])
      if (scenario_ids.insert(scenario["id"].get<std::string>()).second) merged["scenarios"].push_back(scenario);
    for (json cell : document["cells"]) {
      cell["implementation"] = column_id(d, cell["implementation"].get<std::string>());
      merged["cells"].push_back(std::move(cell));
    }
  }
  merged["complete"] = complete;
  merged["environment"] = merged["environments"][0];

  // Observation classes are per row, so they are renumbered across the merged columns.
  Results results = parse_results(merged);
  Matrix matrix = build_matrix(results);
  std::map<std::pair<std::string, std::string>, int> class_of;
  for (const auto& row : matrix.rows)
    for (std::size_t column = 0; column < matrix.columns.size(); ++column)
      if (row.cells[column]) class_of[{row.scenario->id, matrix.columns[column]->id}] = row.classes[column];
  for (auto& cell : merged["cells"]) {
    int klass = class_of[{cell["scenario"].get<std::string>(), cell["implementation"].get<std::string>()}];
    cell["class"] = klass < 0 ? json() : json(klass);
  }
  Tally counts = tally(results);
  json summary = json::object();
  for (Verdict verdict : {Verdict::match, Verdict::differ, Verdict::expected_differ, Verdict::unexpected_pass,
                          Verdict::skip, Verdict::error})
    summary[std::string(verdict_name(verdict))] = counts.count(verdict);
  merged["summary"] = summary;
  return merged;
}

}  // namespace reports
