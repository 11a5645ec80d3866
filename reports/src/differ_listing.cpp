#include "reports/differ_listing.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "reports/mismatch_text.hpp"
#include "reports/progress.hpp"
#include "reports/results.hpp"

namespace reports {
namespace {

// SGR sequences; empty strings when colour is off, so the text is the same either way.
struct Palette {
  explicit Palette(bool on) : on_(on) {}
  std::string paint(std::string_view code, std::string_view text) const {
    if (!on_) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
  std::string fail(std::string_view text) const { return paint("1;31", text); }
  std::string verdict(std::string_view text) const { return paint("31", text); }
  std::string reference(std::string_view text) const { return paint("32", text); }
  std::string observed(std::string_view text) const { return paint("33", text); }
  std::string dim(std::string_view text) const { return paint("2", text); }
  std::string bold(std::string_view text) const { return paint("1", text); }

 private:
  bool on_;
};

// A word the shell reads back unchanged: safe characters as they are, anything else in single quotes.
std::string shell_word(std::string_view word) {
  bool plain = !word.empty();
  for (unsigned char c : word)
    if (!(std::isalnum(c) || std::string_view("_./,:=@%+-").find(static_cast<char>(c)) != std::string_view::npos))
      plain = false;
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// What one group of columns shows: the lines under "<verdict> on <columns>:". Each field once; the cell's
// reason only where it says something the field lines do not.
std::vector<std::string> group_lines(const Cell& cell, const Palette& palette) {
  std::vector<std::string> lines;
  auto field_line = [&](const FieldMismatch& m, bool expect) {
    if (expect)
      return fmt::format("expect {}: expected: {} / observed: {}", single_line(m.field),
                         palette.reference(single_line(quoted_value(m.expected))),
                         palette.observed(single_line(quoted_value(m.actual))));
    return fmt::format("{}: reference: {} / this column: {}", single_line(m.field),
                       palette.reference(single_line(quoted_value(m.expected))),
                       palette.observed(single_line(quoted_value(m.actual))));
  };
  bool has_fields = !cell.diff.empty() || !cell.expectation_failures.empty();
  if (cell.verdict != Verdict::differ || !has_fields) {
    if (!cell.reason.empty()) lines.push_back(single_line(cell.reason));
  } else {
    // The parts of a differ's reason the fields do not say: there was no reference to compare with, or an
    // expectation file expected another difference (and which).
    for (std::string_view marker : {"not compared: ", "the expectation file expects "})
      if (auto at = cell.reason.find(marker); at != std::string::npos) {
        auto end = cell.reason.find("; ", at);
        lines.push_back(single_line(cell.reason.substr(at, end == std::string::npos ? end : end - at)));
      }
  }
  for (const auto& m : cell.diff) lines.push_back(field_line(m, false));
  for (const auto& m : cell.expectation_failures) lines.push_back(field_line(m, true));
  for (const auto& note : cell.expectation) {
    std::string label = cell.verdict == Verdict::unexpected_pass ? "remove the entry at " : "the entry at ";
    lines.push_back(palette.dim(single_line(label + expectation_line(note))));
  }
  if (lines.empty()) lines.push_back(cell.verdict == Verdict::error ? "harness error" : "no detail recorded");
  return lines;
}

// One verdict of one scenario: the columns that have it, and each distinct line once with the columns
// that show it (a line every column of the verdict shows needs no list of its own).
struct VerdictGroup {
  Verdict verdict;
  std::vector<std::string> implementations;
  std::vector<std::pair<std::string, std::vector<std::string>>> lines;  // line -> columns showing it
};

std::string column_names(const std::vector<std::string>& ids, const std::string& reference) {
  std::string text;
  for (const auto& id : ids) text += (text.empty() ? "" : ", ") + single_line(id) + (id == reference ? " (reference)" : "");
  return text;
}

void write_scenario_block(const Results& results, const Scenario& scenario, const std::vector<const Cell*>& failing,
                          const Palette& palette, std::ostream& out) {
  std::vector<VerdictGroup> groups;
  for (Verdict verdict : {Verdict::differ, Verdict::unexpected_pass, Verdict::error}) {
    VerdictGroup group{verdict, {}, {}};
    for (const Cell* cell : failing) {
      if (cell->verdict != verdict) continue;
      group.implementations.push_back(cell->implementation);
      for (auto& line : group_lines(*cell, palette)) {
        auto known = std::find_if(group.lines.begin(), group.lines.end(), [&](const auto& l) { return l.first == line; });
        if (known == group.lines.end()) group.lines.push_back({std::move(line), {cell->implementation}});
        else known->second.push_back(cell->implementation);
      }
    }
    if (!group.implementations.empty()) groups.push_back(std::move(group));
  }

  std::string where = scenario.file.empty() ? std::string() : fmt::format("  {}:{}", scenario.file, scenario.line);
  out << palette.fail("✗ FAIL") << "  " << palette.bold(single_line(scenario.id)) << single_line(where) << "\n";
  std::vector<std::string> rerun_ids;
  for (const auto& group : groups) {
    rerun_ids.insert(rerun_ids.end(), group.implementations.begin(), group.implementations.end());
    out << "  " << palette.verdict(std::string(verdict_name(group.verdict))) << " on "
        << column_names(group.implementations, results.reference) << ":\n";
    for (const auto& [line, columns] : group.lines) {
      out << "      " << line << "\n";
      if (columns.size() != group.implementations.size())
        out << "          " << palette.dim("only on " + column_names(columns, results.reference)) << "\n";
    }
  }
  // A merged document's columns ran on several machines: each can only be run again on its own.
  std::map<std::string, const Implementation*> by_id;
  for (const auto& impl : results.implementations) by_id.emplace(impl.id, &impl);
  std::vector<std::string> hosts;
  std::map<std::string, std::vector<std::string>> ids_of_host;
  for (const auto& id : rerun_ids) {
    auto found = by_id.find(id);
    std::string host = found == by_id.end() ? std::string() : merged_host(*found->second);
    if (!ids_of_host.contains(host)) hosts.push_back(host);
    ids_of_host[host].push_back(id);
  }
  for (const auto& host : hosts)
    out << (host.empty() ? std::string("  rerun: ") : "  rerun on " + single_line(host) + ": ")
        << single_line(rerun_command(results, scenario, ids_of_host[host])) << "\n";
}

}  // namespace

bool colour_wanted(std::ostream& out) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return is_terminal(out);
}

std::string merged_host(const Implementation& impl) {
  return !impl.host.empty() && impl.id.starts_with(impl.host + "/") ? impl.host : std::string();
}

std::string rerun_command(const Results& results, const Scenario& scenario, const std::vector<std::string>& impl_ids) {
  std::map<std::string, const Implementation*> by_id;
  for (const auto& impl : results.implementations) by_id.emplace(impl.id, &impl);
  // On the machine a merged column ran on, its id has no host prefix; the reference is named only when it
  // ran there too (else that machine's run picks its own).
  std::string host;
  if (!impl_ids.empty())
    if (auto found = by_id.find(impl_ids.front()); found != by_id.end()) host = merged_host(*found->second);
  auto local_id = [&](const std::string& id) { return host.empty() ? id : id.substr(host.size() + 1); };
  std::string reference = results.reference;
  if (auto found = by_id.find(reference); found != by_id.end() && merged_host(*found->second) != host) reference.clear();
  std::string command = "fdconform run " + shell_word(scenario.file.empty() ? scenario.id : scenario.file);
  // Each column says which run arguments bring it in (its descriptor's `rerun`, such as --with PATH or
  // --driver FILE): name the reference's and every rerun column's, so the rerun compares against what
  // this run did.
  std::set<std::vector<std::string>> brought_in;
  std::vector<std::string> columns = impl_ids;
  if (!reference.empty()) columns.push_back(reference);
  for (const auto& id : columns) {
    auto found = by_id.find(id);
    if (found == by_id.end() || found->second->rerun.empty()) continue;
    if (!brought_in.insert(found->second->rerun).second) continue;
    for (const auto& word : found->second->rerun) command += " " + shell_word(word);
  }
  if (!reference.empty()) command += " --reference " + shell_word(local_id(reference));
  std::set<std::string> named;
  for (const auto& id : impl_ids)
    if (id != results.reference && named.insert(id).second) command += " --impl " + shell_word(local_id(id));
  return command;
}

void write_differ_listing(const Results& results, std::ostream& out, const ListingStyle& style) {
  Palette palette(style.colour);
  std::map<std::string, std::size_t> column_position;
  for (std::size_t i = 0; i < results.implementations.size(); ++i)
    column_position.emplace(results.implementations[i].id, i);
  std::map<std::string, std::vector<const Cell*>> failing_of;
  for (const auto& cell : results.cells)
    if (counts_as_failed(cell.verdict)) failing_of[cell.scenario].push_back(&cell);
  // Scenarios in the document's order; inside one, columns in the document's column order.
  for (const auto& scenario : results.scenarios) {
    auto found = failing_of.find(scenario.id);
    if (found == failing_of.end()) continue;
    auto& cells = found->second;
    std::stable_sort(cells.begin(), cells.end(), [&](const Cell* a, const Cell* b) {
      return column_position[a->implementation] < column_position[b->implementation];
    });
    write_scenario_block(results, scenario, cells, palette, out);
  }
  for (const auto& file : invalid_scenario_files(results)) {
    out << palette.fail("✗ INVALID") << "  " << palette.bold(single_line(file)) << "  (scenario file not loaded)\n";
    for (const auto& invalid : results.invalid_scenarios)
      if (invalid.file == file)
        out << "      " << single_line(fmt::format("{}:{}:{}: {}", invalid.file, invalid.line, invalid.column,
                                                   invalid.message))
            << "\n";
  }
}

void write_differ_listing(const Results& results, std::ostream& out) {
  write_differ_listing(results, out, ListingStyle{colour_wanted(out)});
}

void write_differ_listing(const nlohmann::json& document, std::ostream& out) {
  write_differ_listing(parse_results(document), out);
}

}  // namespace reports
