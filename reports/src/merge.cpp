#include "reports/merge.hpp"

#include <algorithm>
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

// Top-level members merge() computes; any other member is carried over from the first document.
const std::set<std::string> computed_members = {"fdconform_results", "complete", "fdconform", "environment",
                                                "environments", "merged_from", "reference", "implementations",
                                                "scenarios", "cells", "summary", "unmatched_expectations",
                                                "invalid_scenarios"};

std::string text_member(const json& object, const char* name) {
  if (object.is_object() && object.contains(name) && object[name].is_string()) return object[name].get<std::string>();
  return {};
}

json environment_of(const json& document) {
  json environment = document.contains("environment") ? document["environment"] : json::object();
  return environment.is_object() ? environment : json::object();
}

std::string host_of(const json& document, std::size_t index) {
  std::string host = text_member(environment_of(document), "host");
  return host.empty() ? fmt::format("run{}", index + 1) : host;
}

// Shards of one machine share all of these; a document from another host, kernel, libc or distribution
// is another machine, whose cells become columns of their own.
std::string machine_of(const json& document, std::size_t index) {
  json environment = environment_of(document);
  return fmt::format("{}\n{}\n{}\n{}", host_of(document, index), text_member(environment, "kernel"),
                     text_member(environment, "libc"), text_member(environment, "distribution"));
}

// The documents of one machine combined by rows: the union of their scenarios, implementations and cells.
// A cell in two documents must say the same thing in both (verdict and observation); every member of a
// scenario, implementation or cell object is kept as the first document that has it wrote it.
json combine_rows(const std::vector<json>& documents, const std::vector<std::size_t>& members) {
  const json& first = documents[members.front()];
  json combined = first;
  combined["implementations"] = json::array();
  combined["scenarios"] = json::array();
  combined["cells"] = json::array();
  bool complete = true;
  std::set<std::string> implementation_ids, scenario_ids;
  std::map<std::pair<std::string, std::string>, std::size_t> cell_source;  // -> document index
  std::map<std::pair<std::string, std::string>, std::size_t> cell_position;
  const std::string reference = text_member(first, "reference");

  for (std::size_t d : members) {
    const json& document = documents[d];
    if (text_member(document, "reference") != reference)
      throw ResultsError(fmt::format("merge: documents {} and {} come from the same host ({}) but were judged against "
                                     "different references ({} and {}): run every shard with the same --reference",
                                     members.front() + 1, d + 1, host_of(document, d), reference,
                                     text_member(document, "reference")));
    complete = complete && document.value("complete", true);
    for (const auto& impl : document["implementations"])
      if (implementation_ids.insert(impl["id"].get<std::string>()).second) combined["implementations"].push_back(impl);
    for (const auto& scenario : document["scenarios"])
      if (scenario_ids.insert(scenario["id"].get<std::string>()).second) combined["scenarios"].push_back(scenario);
    for (const auto& cell : document["cells"]) {
      std::pair<std::string, std::string> key{cell["scenario"].get<std::string>(), cell["implementation"].get<std::string>()};
      auto [it, inserted] = cell_source.emplace(key, d);
      if (inserted) {
        cell_position[key] = combined["cells"].size();
        combined["cells"].push_back(cell);
        continue;
      }
      const json& earlier = combined["cells"][cell_position[key]];
      json earlier_observation = earlier.contains("observation") ? earlier["observation"] : json();
      json observation = cell.contains("observation") ? cell["observation"] : json();
      if (earlier["verdict"] != cell["verdict"] || earlier_observation != observation)
        throw ResultsError(fmt::format(
            "merge: the cell {} on {} is in documents {} and {} with different results ({} and {}{}): a shard of "
            "one host must not repeat another's cells",
            key.first, key.second, it->second + 1, d + 1, earlier["verdict"].dump(), cell["verdict"].dump(),
            earlier["verdict"] == cell["verdict"] ? ", different observations" : ""));
    }
  }
  // Shards that ran different columns leave holes: the merged run did not run every cell.
  complete = complete && combined["cells"].size() == scenario_ids.size() * implementation_ids.size();
  combined["complete"] = complete;
  combined.erase("unmatched_expectations");  // each shard checked only its own scenarios, if any
  return combined;
}

// Column prefixes, one per machine: the host name, with "~N" added when two machines share a host name
// (a kernel upgrade between two runs), so every (machine, implementation) pair keeps its own column.
std::vector<std::string> machine_labels(const std::vector<std::string>& hosts) {
  std::vector<std::string> labels;
  std::map<std::string, int> seen;
  for (const auto& host : hosts) {
    int n = ++seen[host];
    labels.push_back(n == 1 ? host : fmt::format("{}~{}", host, n));
  }
  return labels;
}

// "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-13, glibc 2.36": a machine's distribution, kernel and
// C library, the parts it has.
std::string machine_description(const json& environment) {
  std::vector<std::string> parts;
  const std::string distribution = text_member(environment, "distribution");
  const std::string kernel = text_member(environment, "kernel");
  const std::string libc = text_member(environment, "libc");
  if (!distribution.empty()) parts.push_back(distribution);
  if (!kernel.empty()) parts.push_back("kernel " + kernel);
  if (!libc.empty()) parts.push_back(libc);
  return fmt::format("{}", fmt::join(parts, ", "));
}

// Each input, with what tells machines apart: a column label is only a host name.
json merged_from_entry(const json& document, const std::string& host) {
  json environment = environment_of(document);
  return {{"host", host},
          {"distribution", text_member(environment, "distribution")},
          {"kernel", text_member(environment, "kernel")},
          {"libc", text_member(environment, "libc")},
          {"fdconform", document.value("fdconform", json::object())},
          {"reference", document.value("reference", std::string())},
          {"complete", document.value("complete", true)}};
}

}  // namespace

json merge(const std::vector<json>& documents, MergeBy by) {
  if (documents.empty()) throw ResultsError("merge: expected at least one results document");
  for (std::size_t i = 0; i < documents.size(); ++i) {
    try {
      parse_results(documents[i]);
    } catch (const ResultsError& error) {
      throw ResultsError(fmt::format("merge: document {}: {}", i + 1, error.what()));
    }
    // Its columns already carry host prefixes and its environment is only the first host's: merging it
    // again would misfile them.
    if (documents[i].contains("environments") && documents[i]["environments"].is_array() &&
        documents[i]["environments"].size() > 1)
      throw ResultsError(fmt::format("merge: document {} already combines {} hosts: merge the documents of each host "
                                     "instead",
                                     i + 1, documents[i]["environments"].size()));
  }

  // Machines in the order they first appear, each with its documents.
  std::vector<std::string> machine_keys, hosts;
  std::vector<std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    std::string key = by == MergeBy::rows ? std::string("one machine") : machine_of(documents[i], i);
    auto found = std::find(machine_keys.begin(), machine_keys.end(), key);
    if (found == machine_keys.end()) {
      machine_keys.push_back(key);
      hosts.push_back(host_of(documents[i], i));
      members.push_back({i});
    } else {
      members[static_cast<std::size_t>(found - machine_keys.begin())].push_back(i);
    }
  }
  std::vector<json> machines;
  for (const auto& group : members) machines.push_back(combine_rows(documents, group));

  const bool prefix = machines.size() > 1;
  const std::vector<std::string> labels = machine_labels(hosts);
  auto column_id = [&](std::size_t machine, const std::string& id) {
    return prefix ? labels[machine] + "/" + id : id;
  };

  json merged = json::object();
  for (auto it = documents[0].begin(); it != documents[0].end(); ++it)
    if (!computed_members.count(it.key())) merged[it.key()] = it.value();
  merged["fdconform_results"] = 1;
  merged["fdconform"] = documents[0].value("fdconform", json::object());
  merged["reference"] = column_id(0, machines[0].value("reference", std::string()));
  merged["implementations"] = json::array();
  merged["scenarios"] = json::array();
  merged["cells"] = json::array();
  merged["environments"] = json::array();
  merged["merged_from"] = json::array();
  bool complete = true;
  std::set<std::string> scenario_ids;

  for (std::size_t m = 0; m < machines.size(); ++m) {
    const json& machine = machines[m];
    complete = complete && machine.value("complete", true);
    json environment = environment_of(machine);
    if (prefix) environment["host"] = labels[m];  // the key the columns' "host" refers to
    merged["environments"].push_back(environment);
    for (std::size_t d : members[m]) {
      const json& document = documents[d];
      // An input that was itself a merge of shards lists them; keep that history flat.
      if (document.contains("merged_from") && document["merged_from"].is_array() && !document["merged_from"].empty()) {
        for (json entry : document["merged_from"]) {
          if (entry.is_object() && prefix) entry["host"] = labels[m];
          merged["merged_from"].push_back(entry);
        }
      } else {
        // Each input's own host name, unless it is now the prefix of its columns.
        merged["merged_from"].push_back(merged_from_entry(document, prefix ? labels[m] : host_of(document, d)));
      }
    }
    for (json impl : machine["implementations"]) {
      impl["id"] = column_id(m, impl["id"].get<std::string>());
      if (prefix) {
        impl["host"] = labels[m];
        // What tells the machines apart, on the column itself: the id carries only the host name.
        const std::string machine_text = machine_description(environment);
        if (!machine_text.empty()) {
          const std::string detail = impl.value("detail", std::string());
          impl["detail"] = detail.empty() ? machine_text : detail + "; " + machine_text;
        }
      }
      merged["implementations"].push_back(std::move(impl));
    }
    // The first machine that has a scenario supplies its text; later ones only add cells.
    for (const auto& scenario : machine["scenarios"])
      if (scenario_ids.insert(scenario["id"].get<std::string>()).second) merged["scenarios"].push_back(scenario);
    for (json cell : machine["cells"]) {
      cell["implementation"] = column_id(m, cell["implementation"].get<std::string>());
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
  // Scenario files no input could load: every shard of a run loads the whole corpus, so each lists the
  // same problems; they are kept once. The summary counts their files, as a run's does.
  json invalid = json::array();
  bool any_invalid_list = false;
  for (const auto& document : documents) {
    if (!document.contains("invalid_scenarios") || !document["invalid_scenarios"].is_array()) continue;
    any_invalid_list = true;
    for (const auto& problem : document["invalid_scenarios"])
      if (std::find(invalid.begin(), invalid.end(), problem) == invalid.end()) invalid.push_back(problem);
  }
  if (any_invalid_list) merged["invalid_scenarios"] = invalid;

  Tally counts = tally(results);
  // Members of the summary merge does not know are kept from the first document.
  json summary = documents[0].contains("summary") && documents[0]["summary"].is_object() ? documents[0]["summary"]
                                                                                         : json::object();
  for (Verdict verdict : {Verdict::match, Verdict::differ, Verdict::expected_differ, Verdict::unexpected_pass,
                          Verdict::skip, Verdict::error, Verdict::no_api})
    summary[std::string(verdict_name(verdict))] = counts.count(verdict);
  if (any_invalid_list) {
    std::set<std::string> files;
    for (const auto& problem : invalid)
      if (problem.is_object()) files.insert(text_member(problem, "file"));
    summary["invalid_scenarios"] = files.size();
  }
  merged["summary"] = summary;
  return merged;
}

}  // namespace reports
