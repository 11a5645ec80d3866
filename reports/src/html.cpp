#include "reports/html.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <ostream>
#include <set>

#include "html_assets.hpp"
#include "reports/matrix.hpp"
#include "reports/results.hpp"
#include "reports/tally.hpp"

namespace reports {
namespace {

using nlohmann::json;

json mismatch_list(const std::vector<FieldMismatch>& mismatches) {
  json list = json::array();
  for (const auto& m : mismatches)
    list.push_back(json::array({m.field, m.expected ? json(*m.expected) : json(), m.actual ? json(*m.actual) : json()}));
  return list;
}

json expectation_note(const ExpectationNote& note) {
  json kept = json::object();
  if (!note.reason.empty()) kept["reason"] = note.reason;
  if (!note.link.empty()) kept["link"] = note.link;
  if (!note.file.empty()) kept["file"] = note.file;
  if (note.line > 0) kept["line"] = note.line;
  return kept;
}

// {reason, link, file, line} of the first entry; other entries that applied to the cell follow in "also".
json expectation_data(const std::vector<ExpectationNote>& notes) {
  json first = expectation_note(notes.front());
  if (notes.size() > 1) {
    first["also"] = json::array();
    for (std::size_t i = 1; i < notes.size(); ++i) first["also"].push_back(expectation_note(notes[i]));
  }
  return first;
}

// JSON placed inside <script>: '<' can only occur inside JSON strings, where \u003c means the same,
// so no "</script>" or "<!--" can end or confuse the block.
std::string script_safe_json(const json& data) {
  std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// "3.10" must sort after "3.9": digit runs compare as numbers, everything else as text.
bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && digit(a[i_end])) ++i_end;
      while (j_end < b.size() && digit(b[j_end])) ++j_end;
      // Leading zeros do not make a number bigger; compare lengths without them, then the digits.
      std::size_t i_start = i, j_start = j;
      while (i_start + 1 < i_end && a[i_start] == '0') ++i_start;
      while (j_start + 1 < j_end && b[j_start] == '0') ++j_start;
      std::string_view x = a.substr(i_start, i_end - i_start), y = b.substr(j_start, j_end - j_start);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}


std::string implementation_family(std::string_view id) {
  // A merged column is "<host>/<id>": columns of one host stay together.
  std::size_t base = id.rfind('/');
  base = base == std::string_view::npos ? 0 : base + 1;
  for (std::size_t i = base; i + 1 < id.size(); ++i)
    if (id[i] == '-' && std::isdigit(static_cast<unsigned char>(id[i + 1]))) return std::string(id.substr(0, i));
  std::size_t dash = id.rfind('-');
  if (dash != std::string_view::npos && dash > base) return std::string(id.substr(0, dash));
  return std::string(id);
}

std::vector<std::size_t> column_order(const std::vector<const Implementation*>& columns,
                                      std::optional<std::size_t> reference_column) {
  std::vector<std::size_t> order(columns.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::string> family(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) family[c] = implementation_family(columns[c]->id);
  const std::string* reference_family = reference_column ? &family[*reference_column] : nullptr;
  // The reference's family comes first, so the column everything is compared against is at the left, but it
  // keeps its place by version inside the family: version order is what a reader scans for.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    bool a_ref = reference_family && family[a] == *reference_family;
    bool b_ref = reference_family && family[b] == *reference_family;
    if (a_ref != b_ref) return a_ref;
    if (family[a] != family[b]) return natural_less(family[a], family[b]);
    return natural_less(columns[a]->id, columns[b]->id);
  });
  return order;
}


// The columns of the "one column per runtime" view: in each family, the newest version, and of that
// version's columns the one with the shortest id (the others add a path or an API to it: -fork, -spawnSync),
// then the first by name. The reference column always stands for its own family, so the view still shows
// what everything is compared against.
std::vector<bool> runtime_view_columns(const std::vector<const Implementation*>& columns,
                                       std::optional<std::size_t> reference_column) {
  struct Candidate {
    std::string version;  // the digits and dots after the family ("3.13.0"); empty when the id has none
    std::size_t suffix_length = 0;
    std::size_t column = 0;
  };
  std::map<std::string, Candidate> chosen;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const std::string& id = columns[c]->id;
    std::string family = implementation_family(id);
    std::string rest = id.size() > family.size() ? id.substr(family.size() + 1) : std::string();
    std::size_t version_end = 0;
    while (version_end < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[version_end])) || rest[version_end] == '.'))
      ++version_end;
    Candidate candidate{rest.substr(0, version_end), rest.size() - version_end, c};
    auto [at, inserted] = chosen.emplace(family, candidate);
    if (inserted) continue;
    const Candidate& held = at->second;
    bool better = natural_less(held.version, candidate.version) ||
                  (held.version == candidate.version &&
                   (candidate.suffix_length < held.suffix_length ||
                    (candidate.suffix_length == held.suffix_length && natural_less(id, columns[held.column]->id))));
    if (better) at->second = candidate;
  }
  if (reference_column) chosen[implementation_family(columns[*reference_column]->id)].column = *reference_column;
  std::vector<bool> shown(columns.size(), false);
  for (const auto& [family, candidate] : chosen) shown[candidate.column] = true;
  return shown;
}

json html_data_of(const Results& results) {
  Matrix matrix = build_matrix(results);
  const std::vector<std::size_t> order = column_order(matrix.columns, matrix.reference_column);
  const std::vector<bool> in_runtime_view = runtime_view_columns(matrix.columns, matrix.reference_column);

  // Field names repeat in every observation; numbering them once keeps 1,000 x 12 well under 5 MiB.
  std::map<std::string, int> field_index;
  json fields = json::array();
  auto field_id = [&](const std::string& name) {
    auto [found, inserted] = field_index.emplace(name, static_cast<int>(fields.size()));
    if (inserted) fields.push_back(name);
    return found->second;
  };
  std::set<std::string> tag_set;
  for (const auto& scenario : results.scenarios) tag_set.insert(scenario.tags.begin(), scenario.tags.end());
  std::vector<std::string> tags(tag_set.begin(), tag_set.end());
  auto tag_id = [&](const std::string& tag) {
    return static_cast<int>(std::lower_bound(tags.begin(), tags.end(), tag) - tags.begin());
  };

  // Columns are written in display order, so every index in the data is a display position.
  json impls = json::array();
  int reference_position = -1;
  for (std::size_t position = 0; position < order.size(); ++position) {
    const Implementation* impl = matrix.columns[order[position]];
    if (matrix.reference_column && order[position] == *matrix.reference_column)
      reference_position = static_cast<int>(position);
    impls.push_back({{"id", impl->id}, {"name", impl->name}, {"version", impl->version},
                     {"detail", impl->detail}, {"host", impl->host}, {"features", impl->features},
                     {"family", implementation_family(impl->id)},
                     {"runtimeView", static_cast<bool>(in_runtime_view[order[position]])}});
  }

  json rows = json::array();
  for (const auto& row : matrix.rows) {
    const Scenario& s = *row.scenario;
    json tag_ids = json::array();
    for (const auto& tag : s.tags) tag_ids.push_back(tag_id(tag));
    json observations = json::array();
    for (const Observation* observation : row.distinct) {
      json flat = json::array();
      for (const auto& [field, value] : *observation) {
        flat.push_back(field_id(field));
        flat.push_back(value);
      }
      observations.push_back(std::move(flat));
    }
    // A cell is [verdict, class] plus, only when present, its reason, expectation failures and the
    // expectation entry that accepted (or expected) a difference; trailing empty members are left out.
    json cells = json::array();
    for (std::size_t column : order) {
      const Cell* cell = row.cells[column];
      if (!cell) {
        cells.push_back(nullptr);
        continue;
      }
      json encoded = json::array({static_cast<int>(cell->verdict), row.classes[column]});
      bool has_failures = !cell->expectation_failures.empty();
      bool has_expectation = !cell->expectation.empty();
      if (!cell->reason.empty() || has_failures || has_expectation) encoded.push_back(cell->reason);
      if (has_failures || has_expectation) encoded.push_back(mismatch_list(cell->expectation_failures));
      if (has_expectation) encoded.push_back(expectation_data(cell->expectation));
      cells.push_back(std::move(encoded));
    }
    json encoded_row = {{"id", s.id}, {"title", s.title}, {"file", s.file}, {"line", s.line},
                        {"tags", tag_ids}, {"obs", observations}, {"c", cells}};
    // Optional texts are left out when empty; the page treats a missing member as empty.
    if (!s.description.empty()) encoded_row["desc"] = s.description;
    if (!s.covers.empty()) encoded_row["covers"] = s.covers;
    if (!s.source.empty()) encoded_row["source"] = s.source;
    if (!s.yaml.empty()) encoded_row["yaml"] = s.yaml;
    rows.push_back(std::move(encoded_row));
  }

  json verdicts = json::array();
  for (Verdict v : {Verdict::match, Verdict::differ, Verdict::expected_differ, Verdict::unexpected_pass, Verdict::skip,
                    Verdict::error, Verdict::no_api})
    verdicts.push_back(verdict_name(v));

  // The banner's numbers are the summary line's (cells, not the document's summary block), so the page and
  // the terminal never disagree. Missing cells are what an interrupted run did not reach.
  Tally counts = tally(results);
  std::size_t expected_cells = results.scenarios.size() * results.implementations.size();
  std::size_t missing = expected_cells > counts.total() ? expected_cells - counts.total() : 0;
  std::string outcome = counts.failed() ? "fail" : (!results.complete || missing) ? "incomplete" : "pass";
  json invalid = json::array();
  for (const auto& problem : results.invalid_scenarios)
    invalid.push_back({{"file", problem.file}, {"line", problem.line}, {"column", problem.column},
                       {"message", problem.message}});
  json totals = {{"outcome", outcome},
                 {"passed", counts.passed()},
                 {"failed", counts.failed()},
                 {"skipped", counts.skipped()},
                 {"accepted", counts.count(Verdict::expected_differ)},
                 {"missing", missing}};
  // Only when there are some, like every optional member of the data.
  if (counts.without_api() > 0) totals["noApi"] = counts.without_api();
  if (!invalid.empty()) {
    totals["invalidFiles"] = counts.invalid_files;
    totals["invalid"] = invalid;
  }

  return {{"complete", results.complete},
          {"totals", totals},
          {"fdconform", results.fdconform},
          {"environments", results.environments},
          {"reference", results.reference},
          {"refCol", reference_position},
          {"verdicts", verdicts},
          {"fields", fields},
          {"tags", tags},
          {"impls", impls},
          {"rows", rows}};
}

void write_page(const Results& results, std::ostream& out) {
  const std::string data = script_safe_json(html_data_of(results));
  std::string title = "fdconform report";
  if (!results.environments.empty()) {
    const auto& environment = results.environments.front();
    if (results.environments.size() == 1 && environment.contains("host") && environment["host"].is_string())
      title += " — " + environment["host"].get<std::string>();
  }
  // The page holds {{name}} placeholders; they are replaced here, never inside the inserted text.
  std::string_view page = html_assets::page;
  std::size_t position = 0;
  while (true) {
    std::size_t open = page.find("{{", position);
    if (open == std::string_view::npos) break;
    std::size_t close = page.find("}}", open);
    if (close == std::string_view::npos) break;
    out << page.substr(position, open - position);
    std::string_view name = page.substr(open + 2, close - open - 2);
    if (name == "title") out << html_escape(title);
    else if (name == "style") out << html_assets::style;
    else if (name == "script") out << html_assets::script;
    else if (name == "data") out << data;
    else out << page.substr(open, close + 2 - open);
    position = close + 2;
  }
  out << page.substr(position);
}

}  // namespace

json html_data(const Results& results) { return html_data_of(results); }

void write_html(const Results& results, std::ostream& out) { write_page(results, out); }

void write_html(const json& document, std::ostream& out) { write_page(parse_results(document), out); }

}  // namespace reports
