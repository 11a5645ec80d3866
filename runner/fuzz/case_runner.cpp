#include "fuzz/case_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "scenario/loader.hpp"

namespace fdconform::fuzz {

std::string general_field(const std::string& field) {
  std::string out;
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t end = field.find('.', start);
    if (end == std::string::npos) end = field.size();
    std::string part = field.substr(start, end - start);
    bool number = !part.empty();
    for (char c : part) number = number && std::isdigit(static_cast<unsigned char>(c));
    if (!out.empty() || start > 0) out += '.';
    out += number ? "N" : part;
    start = end + 1;
  }
  return out;
}

namespace {

// The first parts of field names that are not a step spawn's name.
const std::set<std::string> single_spawn_parts{"child", "outcome", "parent", "parent_after", "step", "(error)"};

}  // namespace

CaseSignature signature_cause(const CaseSignature& signature) {
  CaseSignature cause;
  for (const auto& [column, fields] : signature) {
    auto& folded = cause[column];
    for (const auto& field : fields) {
      std::string general = field;
      const auto first_dot = general.find('.');
      const std::string first = general.substr(0, first_dot);
      if (!single_spawn_parts.contains(first)) general = "NAME" + (first_dot == std::string::npos ? "" : general.substr(first_dot));
      if (auto fd = general.find(".fd.N."); fd != std::string::npos) general.resize(fd + 5);
      folded.insert(general);
    }
  }
  return cause;
}

std::string describe(const CaseSignature& signature) {
  std::vector<std::string> parts;
  for (const auto& [column, fields] : signature) parts.push_back(fmt::format("{}: {}", column, fmt::join(fields, ", ")));
  return fmt::format("{}", fmt::join(parts, "; "));
}

void leave_out_consequences(GeneralDifference& difference) {
  // Single spawn: outcome and child.*; steps: NAME.outcome and NAME.* (NAME.outcome.* kept).
  std::vector<std::string> prefixes;
  for (const auto& [field, values] : difference) {
    if (field == "outcome") prefixes.push_back("child.");
    else if (field.ends_with(".outcome") && field.find('.') == field.size() - 8)
      prefixes.push_back(field.substr(0, field.size() - 7));
  }
  std::erase_if(difference, [&](const auto& entry) {
    const std::string& field = entry.first;
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& prefix) {
      return field.starts_with(prefix) && !field.starts_with(prefix + "outcome");
    });
  });
}

bool explains(const GeneralDifference& accepted, const GeneralDifference& seen) {
  if (accepted.size() != seen.size()) return false;
  for (const auto& [field, values] : accepted) {
    auto other = seen.find(field);
    if (other == seen.end()) return false;
    if (field.find(".N") == std::string::npos) {
      if (values != other->second) return false;
      continue;
    }
    auto presence = [](const std::set<std::optional<std::string>>& v) {
      std::set<bool> present;
      for (const auto& value : v) present.insert(value.has_value());
      return present;
    };
    if (presence(values) != presence(other->second)) return false;
  }
  return true;
}

bool explained_by(const std::vector<GeneralDifference>& entries, const GeneralDifference& seen) {
  auto described = [&](const GeneralDifference& difference) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const GeneralDifference& accepted) { return explains(accepted, difference); });
  };
  if (described(seen)) return true;
  // A steps scenario: each spawn's fields, read as a single spawn's (NAME.fds as child.fds, NAME.outcome
  // as outcome), must be a difference an entry describes; a step's or the parent's field never is.
  std::map<std::string, GeneralDifference> per_spawn;
  for (const auto& [field, values] : seen) {
    const auto dot = field.find('.');
    if (dot == std::string::npos || single_spawn_parts.contains(field.substr(0, dot))) return false;
    const std::string rest = field.substr(dot + 1);
    per_spawn[field.substr(0, dot)][rest.starts_with("outcome") ? rest : "child." + rest] = values;
  }
  return !per_spawn.empty() &&
         std::all_of(per_spawn.begin(), per_spawn.end(), [&](const auto& spawn) { return described(spawn.second); });
}

ExplainedFields explained_fields(const ExpectationSet& expectations, const std::vector<Column>& columns,
                                 std::size_t reference) {
  ExplainedFields explained(columns.size());
  const std::string& reference_id = columns[reference].descriptor.id;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (c == reference) continue;
    for (const auto& file : expectations.files) {
      if (!applies(file.applies_to, columns[c].descriptor.id, columns[c].hello.version, reference_id)) continue;
      for (const auto& entry : file.entries) {
        GeneralDifference accepted;
        for (const auto& [field, value] : entry.fields) accepted[general_field(field)].insert(value);
        leave_out_consequences(accepted);
        explained[c].push_back(std::move(accepted));
      }
    }
  }
  return explained;
}

CaseRunner::CaseRunner(const std::vector<Column>& columns, std::size_t reference, CellSettings settings,
                       RunDirectory& run_dir, ExplainedFields explained, std::size_t slots,
                       std::vector<std::unique_ptr<DriverSession>> first_sessions)
    : columns_(columns), reference_(reference), settings_(std::move(settings)), run_dir_(run_dir),
      explained_(std::move(explained)), sessions_(std::max<std::size_t>(1, slots)) {
  first_sessions.resize(columns.size());
  sessions_[0] = std::move(first_sessions);
  for (auto& slot : sessions_) slot.resize(columns.size());
}

CaseOutcome CaseRunner::run(const std::string& id, const std::string& text, const std::vector<std::size_t>& columns,
                            std::size_t slot) {
  CaseOutcome outcome;
  LoadResult loaded = load_scenario_text(id + ".yaml", text, id);
  if (!loaded.scenario) {
    outcome.invalid_reason = loaded.diagnostics.empty() ? "refused" : loaded.diagnostics.front().to_string();
    return outcome;
  }
  outcome.valid = true;
  Scenario& scenario = *loaded.scenario;
  scenario.file = id + ".yaml";
  auto& sessions = sessions_[slot];
  CellObservation reference = execute_cell(scenario, columns_[reference_], sessions[reference_], run_dir_,
                                           next_cell_.fetch_add(1), settings_);
  if (reference.status != CellObservation::Status::ran) {
    outcome.reference_problem = reference.status == CellObservation::Status::no_api
                                    ? no_api_reason(reference.capability)
                                    : reference.reason;
    return outcome;
  }
  outcome.reference_ran = true;
  std::vector<std::size_t> chosen = columns;
  if (chosen.empty())
    for (std::size_t c = 0; c < columns_.size(); ++c) chosen.push_back(c);
  for (std::size_t c : chosen) {
    if (c == reference_) continue;
    CellObservation cell = execute_cell(scenario, columns_[c], sessions[c], run_dir_, next_cell_.fetch_add(1), settings_);
    Judgement judgement = judge_cell(cell, &reference, false, "", scenario.expect);
    const std::string& column_id = columns_[c].descriptor.id;
    if (judgement.verdict == Verdict::error) {
      outcome.signature[column_id] = {"(error)"};
      outcome.reasons[column_id] = judgement.reason;
    } else if (judgement.verdict == Verdict::differ) {
      GeneralDifference seen;
      for (const auto& difference : judgement.diff) seen[general_field(difference.field)].insert(difference.actual);
      leave_out_consequences(seen);
      if (explained_by(explained_[c], seen)) continue;
      std::set<std::string> fields;
      for (const auto& [field, values] : seen) fields.insert(field);
      outcome.signature[column_id] = std::move(fields);
      outcome.reasons[column_id] = judgement.reason;
    }
  }
  return outcome;
}

}  // namespace fdconform::fuzz
