#include "expectations/expectation_files.hpp"

#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "expectations/condition_overlap.hpp"
#include "scenario/text_checks.hpp"
#include "scenario/yaml_checker.hpp"
#include "scenario/yaml_structure.hpp"

namespace fdconform {
namespace {

// Normalized field names (docs/PROTOCOL.md) are lowercase dotted words; anything else is a typo or
// worse, and would not survive being written back by --update-expectations.
bool is_field_name(std::string_view text) {
  if (text.empty() || text[0] < 'a' || text[0] > 'z') return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  return true;
}

bool glob_matches(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::string kernel_release() {
  struct utsname names {};
  return ::uname(&names) == 0 ? names.release : "";
}

std::optional<VersionGate> gate(YamlChecker& check, const YAML::Node& node, const std::string& path) {
  auto text = check.line(node, path);
  if (!text) return std::nullopt;
  std::string error;
  auto parsed = parse_version_gate(*text, error);
  if (!parsed) check.error(node, fmt::format("{}: {}", path, error));
  return parsed;
}

std::optional<std::string> glob(YamlChecker& check, const YAML::Node& node, const std::string& path) {
  auto text = check.line(node, path);
  if (text && text->size() > max_glob_length) {
    check.error(node, fmt::format("{}: {} characters is too long: expected a glob of at most {}", path, text->size(),
                                  max_glob_length));
    return std::nullopt;
  }
  return text;
}

AppliesTo read_applies_to(YamlChecker& check, const YAML::Node& node) {
  AppliesTo out;
  auto view = check.map(node, "applies_to", {"implementation", "version", "reference", "kernel", "root"});
  if (!view) return out;
  check.require(*view, "applies_to", {"implementation"});
  if (auto n = view->find("implementation")) out.implementation = glob(check, *n, "applies_to.implementation").value_or("");
  if (auto n = view->find("version")) out.version = gate(check, *n, "applies_to.version");
  if (auto n = view->find("reference")) out.reference = glob(check, *n, "applies_to.reference").value_or("*");
  if (auto n = view->find("kernel")) out.kernel = gate(check, *n, "applies_to.kernel");
  if (auto n = view->find("root")) out.root = check.boolean(*n, "applies_to.root");
  return out;
}

ExpectationEntry read_entry(YamlChecker& check, const YAML::Node& node, const std::string& path) {
  ExpectationEntry entry;
  entry.line = node.Mark().line + 1;
  auto view = check.map(node, path, {"scenario", "fields", "reason", "link"});
  if (!view) return entry;
  check.require(*view, path, {"scenario", "fields", "reason", "link"});
  if (auto n = view->find("scenario")) {
    if (auto id = check.short_string(*n, path + ".scenario", max_id_length)) {
      if (is_scenario_id(*id)) entry.scenario = *id;
      else check.error(*n, fmt::format("{}.scenario: expected a scenario id ([a-z0-9][a-z0-9-]*), got '{}'", path,
                                       shown(*id)));
    }
  }
  if (auto n = view->find("reason")) entry.reason = check.line(*n, path + ".reason").value_or("");
  if (auto n = view->find("link")) entry.link = check.line(*n, path + ".link").value_or("");
  if (auto n = view->find("fields")) {
    if (!n->IsMap() || n->size() == 0) {
      check.error(*n, path + ".fields: expected a non-empty mapping of normalized fields to their expected values");
    } else {
      for (auto it = n->begin(); it != n->end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        auto field = check.short_string(key, path + ".fields key", max_field_name_length);
        if (!field) continue;
        if (!is_field_name(*field)) {
          check.error(key, fmt::format("{}.fields: expected a normalized field name such as child.fd.3 or "
                                       "outcome.errno ([a-z][a-z0-9_.]*), got '{}'",
                                       path, shown(*field)));
          continue;
        }
        if (entry.fields.count(*field)) {
          check.error(key, fmt::format("{}.fields: '{}' is listed twice", path, shown(*field)));
          continue;
        }
        entry.field_positions[*field] = {key.Mark().line + 1, key.Mark().column + 1};
        if (YamlChecker::is_null(value)) entry.fields[*field] = std::nullopt;  // absent on this column
        else if (auto text = check.string(value, fmt::format("{}.fields.{}", path, shown(*field)))) entry.fields[*field] = *text;
      }
    }
  }
  return entry;
}

void read_document(YamlChecker& check, const YAML::Node& root, ExpectationFile& file) {
  auto view = check.map(root, "the expectation file", {"applies_to", "entries"});
  if (!view) return;
  check.require(*view, "the expectation file", {"applies_to", "entries"});
  if (auto n = view->find("applies_to")) file.applies_to = read_applies_to(check, *n);
  auto entries = view->find("entries");
  if (!entries) return;
  auto items = check.sequence(*entries, "entries");
  if (!items) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items->size(); ++i) {
    ExpectationEntry entry = read_entry(check, (*items)[i], fmt::format("entries[{}]", i));
    if (!entry.scenario.empty() && !seen.insert(entry.scenario).second) {
      check.error((*items)[i], fmt::format("entries[{}]: scenario '{}' already has an entry in this file", i,
                                           entry.scenario));
      continue;
    }
    file.entries.push_back(std::move(entry));
  }
}

}  // namespace

bool applies(const AppliesTo& a, const std::string& column_id, const std::string& column_version,
             const std::string& reference_id) {
  if (!glob_matches(a.implementation, column_id)) return false;
  if (a.version && (column_version.empty() || !a.version->admits(column_version))) return false;
  if (!glob_matches(a.reference, reference_id)) return false;
  if (a.kernel && !a.kernel->admits(kernel_release())) return false;
  if (a.root && *a.root != (::geteuid() == 0)) return false;
  return true;
}

namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    // NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are line breaks to a YAML reader, even in quotes.
    // NEL as \u0085: yaml-cpp decodes \N to a lone byte that is not UTF-8.
    std::string_view rest(text.data() + i, text.size() - i);
    if (rest.starts_with("\xc2\x85") || rest.starts_with("\xe2\x80\xa8") || rest.starts_with("\xe2\x80\xa9")) {
      out += rest[0] == '\xc2' ? "\\u0085" : rest[2] == '\xa8' ? "\\L" : "\\P";
      i += rest[0] == '\xc2' ? 1 : 2;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    // Control characters escaped: a raw CR or tab would be refused or folded when the file is read back.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += c == '\n' ? std::string("\\n") : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

ExpectationSet load_expectation_text(const std::string& path, const std::string& text) {
  ExpectationSet set;
  ExpectationFile file;
  file.path = path;
  YamlChecker check(path, set.diagnostics);
  if (text.size() > max_expectation_file_bytes) {
    check.error(YAML::Mark::null_mark(), fmt::format("file too large: an expectation file must be at most {} bytes",
                                                     max_expectation_file_bytes));
  } else if (auto problem = check_input_text(path, text, "an expectation file with applies_to and entries")) {
    // Every value of the file ends up in results.json, which must be valid UTF-8.
    set.diagnostics.push_back(*problem);
  } else {
    try {
      if (check_yaml_structure(check, text, expectation_structure_limits, "an expectation file")) {
        YAML::Node root = YAML::Load(text);
        read_document(check, root, file);
      }
    } catch (const YAML::ParserException& e) {
      if (auto tab = find_indentation_tab(path, text, e.mark.is_null() ? 1 : e.mark.line + 1))
        set.diagnostics.push_back(*tab);
      else
        check.error(e.mark, fmt::format("not valid YAML: {}", e.msg));
    } catch (const YAML::Exception& e) {
      check.error(e.mark, fmt::format("not valid YAML: {}", e.msg));
    } catch (const std::exception& e) {
      check.error(YAML::Mark::null_mark(), fmt::format("internal error while reading: {}", e.what()));
    }
  }
  sort_by_position(set.diagnostics);
  limit_diagnostics(set.diagnostics);
  // A file with errors contributes no entries: half-read entries must not judge cells.
  if (!set.diagnostics.empty()) file.entries.clear();
  set.files.push_back(std::move(file));
  return set;
}

ExpectationSet load_expectation_directory(const std::string& directory) {
  namespace fs = std::filesystem;
  ExpectationSet set;
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0) return set;
  if (!S_ISDIR(st.st_mode)) {
    set.diagnostics.push_back({directory, 1, 1, fmt::format("{}, expected a directory of expectation files",
                                                            file_kind(st.st_mode))});
    return set;
  }
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const auto extension = it->path().extension();
    if (extension == ".yml")
      set.diagnostics.push_back({it->path().string(), 1, 1,
                                 fmt::format("a .yml file: expectation files are named *.yaml; rename it to {}",
                                             fs::path(it->path()).replace_extension(".yaml").filename().string())});
    else if (extension == ".yaml")
      paths.push_back(it->path().string());
  }
  if (ec) set.diagnostics.push_back({directory, 1, 1, fmt::format("cannot list directory: {}", ec.message())});
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    // read_input_file refuses a FIFO or a device named *.yaml before anything could block on it.
    Diagnostic problem;
    auto text = read_input_file(path, max_expectation_file_bytes, "an expectation file", problem);
    if (!text) {
      set.diagnostics.push_back(problem);
      continue;
    }
    ExpectationSet one = load_expectation_text(path, *text);
    set.diagnostics.insert(set.diagnostics.end(), one.diagnostics.begin(), one.diagnostics.end());
    for (auto& f : one.files) set.files.push_back(std::move(f));
  }
  auto contradictions = contradicting_entries(set.files);
  set.diagnostics.insert(set.diagnostics.end(), contradictions.begin(), contradictions.end());
  return set;
}

std::vector<Diagnostic> contradicting_entries(const std::vector<ExpectationFile>& files) {
  std::vector<Diagnostic> out;
  auto shown_value = [](const std::optional<std::string>& v) {
    return v ? fmt::format("\"{}\"", shown(*v)) : std::string("null (absent)");
  };
  for (std::size_t a = 0; a < files.size(); ++a) {
    for (std::size_t b = a + 1; b < files.size(); ++b) {
      const AppliesTo& x = files[a].applies_to;
      const AppliesTo& y = files[b].applies_to;
      bool overlap = globs_overlap(x.implementation, y.implementation) && globs_overlap(x.reference, y.reference) &&
                     gates_overlap(x.version, y.version) && gates_overlap(x.kernel, y.kernel) &&
                     !(x.root && y.root && *x.root != *y.root);
      if (!overlap) continue;
      std::map<std::string, const ExpectationEntry*> earlier;
      for (const auto& e : files[a].entries) earlier.emplace(e.scenario, &e);
      for (const auto& later : files[b].entries) {
        auto it = earlier.find(later.scenario);
        if (it == earlier.end()) continue;
        const ExpectationEntry& first = *it->second;
        for (const auto& [field, value] : later.fields) {
          auto other = first.fields.find(field);
          if (other == first.fields.end() || other->second == value) continue;
          auto place = later.field_positions.count(field) ? later.field_positions.at(field)
                                                          : std::pair<int, int>{later.line, 1};
          int first_line = first.field_positions.count(field) ? first.field_positions.at(field).first : first.line;
          out.push_back({files[b].path, place.first, place.second,
                         fmt::format("scenario '{}', field '{}': {} here contradicts {} at {}:{}; both files apply "
                                     "to the same cells (implementation '{}' and '{}'), so one entry could never "
                                     "hold: make them agree or narrow applies_to",
                                     later.scenario, shown(field), shown_value(value), shown_value(other->second),
                                     files[a].path, first_line, shown(y.implementation), shown(x.implementation))});
        }
      }
    }
  }
  return out;
}

std::optional<ExpectedDifference> ExpectationSet::lookup(const std::string& scenario, const std::string& column_id,
                                                         const std::string& column_version,
                                                         const std::string& reference_id,
                                                         std::string* conflict) const {
  std::optional<ExpectedDifference> merged;
  for (const auto& file : files) {
    if (!applies(file.applies_to, column_id, column_version, reference_id)) continue;
    for (const auto& entry : file.entries) {
      if (entry.scenario != scenario) continue;
      if (!merged) merged.emplace();
      merged->sources.push_back({file.path, entry.line, entry.reason, entry.link});
      for (const auto& [field, value] : entry.fields) {
        auto [it, inserted] = merged->fields.emplace(field, value);
        if (!inserted && it->second != value && conflict)
          *conflict = fmt::format("{}:{}: '{}' conflicts with another applicable entry", file.path, entry.line, field);
      }
    }
  }
  return merged;
}

std::vector<Diagnostic> ExpectationSet::stale_entries(const std::vector<std::string>& known_ids) const {
  std::vector<Diagnostic> stale;
  for (const auto& file : files)
    for (const auto& entry : file.entries)
      if (std::find(known_ids.begin(), known_ids.end(), entry.scenario) == known_ids.end())
        stale.push_back({file.path, entry.line, 1,
                         fmt::format("entry for scenario '{}', which is not in the corpus: remove the stale entry",
                                     entry.scenario)});
  return stale;
}

std::string render_expectation_file(const ExpectationFile& file) {
  std::string out = "applies_to:\n";
  const AppliesTo& a = file.applies_to;
  out += fmt::format("  implementation: {}\n", quoted(a.implementation));
  if (a.version) out += fmt::format("  version: {}\n", quoted(a.version->text));
  if (a.reference != "*") out += fmt::format("  reference: {}\n", quoted(a.reference));
  if (a.kernel) out += fmt::format("  kernel: {}\n", quoted(a.kernel->text));
  if (a.root) out += fmt::format("  root: {}\n", *a.root ? "true" : "false");
  out += "entries:\n";
  for (const auto& e : file.entries) {
    // Quoted: an id such as "null" or a field such as "true" would read back as something else.
    out += fmt::format("  - scenario: {}\n    fields:\n", quoted(e.scenario));
    for (const auto& [field, value] : e.fields)
      out += fmt::format("      {}: {}\n", quoted(field), value ? quoted(*value) : "null");
    out += fmt::format("    reason: {}\n    link: {}\n", quoted(e.reason), quoted(e.link));
  }
  return out;
}

}  // namespace fdconform
