#include "run/newly_skipped.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fdconform {

std::optional<Baseline> read_baseline(const std::string& file, std::string& why) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    why = fmt::format("--baseline {}: cannot be read", file);
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json document = nlohmann::json::parse(text.str(), nullptr, false);
  if (document.is_discarded() || !document.is_object() || document.value("fdconform_results", 0) != 1 ||
      !document.contains("cells") || !document["cells"].is_array()) {
    why = fmt::format("--baseline {}: expected a results document (fdconform run --json), with \"cells\"", file);
    return std::nullopt;
  }
  Baseline baseline{file, {}};
  for (const auto& cell : document["cells"]) {
    if (!cell.is_object() || !cell.value("scenario", nlohmann::json()).is_string() ||
        !cell.value("implementation", nlohmann::json()).is_string() || !cell.value("verdict", nlohmann::json()).is_string()) {
      why = fmt::format("--baseline {}: a cell without scenario, implementation and verdict strings", file);
      return std::nullopt;
    }
    baseline.verdicts[{cell["scenario"].get<std::string>(), cell["implementation"].get<std::string>()}] =
        cell["verdict"].get<std::string>();
  }
  return baseline;
}

std::size_t mark_newly_skipped(std::vector<JudgedCell>& cells, const std::vector<Scenario>& scenarios,
                               const std::vector<Column>& columns, const Baseline& baseline) {
  std::size_t marked = 0;
  for (auto& cell : cells) {
    // A driver that stops expressing a scenario it passed hides a regression as surely as a new skip.
    const bool no_api = cell.judgement.verdict == Verdict::no_api;
    if (cell.judgement.verdict != Verdict::skip && !no_api) continue;
    auto before = baseline.verdicts.find({scenarios[cell.scenario].id, columns[cell.column].descriptor.id});
    if (before == baseline.verdicts.end() || (before->second != "match" && before->second != "expected-differ"))
      continue;
    cell.judgement.verdict = Verdict::error;
    cell.judgement.reason = fmt::format("newly {}: {} in the baseline {}, {} now: {}", no_api ? "without API" : "skipped",
                                        before->second, baseline.file, no_api ? "no API" : "skipped",
                                        cell.judgement.reason.empty() ? "no reason given" : cell.judgement.reason);
    ++marked;
  }
  return marked;
}

}  // namespace fdconform
