#include "reports/html.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "html_assets.hpp"
#include "reports/matrix.hpp"
#include "reports/results.hpp"

namespace reports {
namespace {

using nlohmann::json;

json mismatch_list(const std::vector<FieldMismatch>& mismatches) {
  json list = json::array();
  for (const auto& m : mismatches)
    list.push_back(json::array({m.field, m.expected ? json(*m.expected) : json(), m.actual ? json(*m.actual) : json()}));
  return list;
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

}  // namespace

json html_data(const Results& results) {
  Matrix matrix = build_matrix(results);

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

  json impls = json::array();
  for (const Implementation* impl : matrix.columns)
    impls.push_back({{"id", impl->id}, {"name", impl->name}, {"version", impl->version},
                     {"detail", impl->detail}, {"host", impl->host}, {"features", impl->features}});

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
    // A cell is [verdict, class] plus, only when present, its reason, expectation failures and
    // the document's own diff (which, after a merge, may be against another host's reference).
    json cells = json::array();
    for (std::size_t column = 0; column < row.cells.size(); ++column) {
      const Cell* cell = row.cells[column];
      if (!cell) {
        cells.push_back(nullptr);
        continue;
      }
      json encoded = json::array({static_cast<int>(cell->verdict), row.classes[column]});
      bool has_failures = !cell->expectation_failures.empty();
      if (!cell->reason.empty() || has_failures) encoded.push_back(cell->reason);
      if (has_failures) encoded.push_back(mismatch_list(cell->expectation_failures));
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
                    Verdict::error})
    verdicts.push_back(verdict_name(v));

  return {{"complete", results.complete},
          {"fdconform", results.fdconform},
          {"environments", results.environments},
          {"reference", results.reference},
          {"refCol", matrix.reference_column ? static_cast<int>(*matrix.reference_column) : -1},
          {"verdicts", verdicts},
          {"fields", fields},
          {"tags", tags},
          {"impls", impls},
          {"rows", rows}};
}

void write_html(const Results& results, std::ostream& out) {
  const std::string data = script_safe_json(html_data(results));
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

void write_html(const json& document, std::ostream& out) { write_html(parse_results(document), out); }

}  // namespace reports
