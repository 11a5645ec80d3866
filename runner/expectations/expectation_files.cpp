#include "expectations/expectation_files.hpp"

#include <fnmatch.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "scenario/yaml_checker.hpp"

namespace fdconform {
namespace {

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

AppliesTo read_applies_to(YamlChecker& check, const YAML::Node& node) {
  AppliesTo out;
  auto view = check.map(node, "applies_to", {"implementation", "version", "reference", "kernel", "root"});
  if (!view) return out;
  check.require(*view, "applies_to", {"implementation"});
  if (auto n = view->find("implementation")) out.implementation = check.line(*n, "applies_to.implementation").value_or("");
  if (auto n = view->find("version")) out.version = gate(check, *n, "applies_to.version");
  if (auto n = view->find("reference")) out.reference = check.line(*n, "applies_to.reference").value_or("*");
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
  if (auto n = view->find("scenario")) entry.scenario = check.line(*n, path + ".scenario").value_or("");
  if (auto n = view->find("reason")) entry.reason = check.line(*n, path + ".reason").value_or("");
  if (auto n = view->find("link")) entry.link = check.line(*n, path + ".link").value_or("");
  if (auto n = view->find("fields")) {
    if (!n->IsMap() || n->size() == 0) {
      check.error(*n, path + ".fields: expected a non-empty mapping of normalized fields to their expected values");
    } else {
      for (auto it = n->begin(); it != n->end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        auto field = check.line(key, path + ".fields key");
        if (!field) continue;
        if (entry.fields.count(*field)) {
          check.error(key, fmt::format("{}.fields: '{}' is listed twice", path, *field));
          continue;
        }
        if (YamlChecker::is_null(value)) entry.fields[*field] = std::nullopt;  // absent on this column
        else if (auto text = check.string(value, fmt::format("{}.fields.{}", path, *field))) entry.fields[*field] = *text;
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
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
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
  try {
    YAML::Node root = YAML::Load(text);
    read_document(check, root, file);
  } catch (const YAML::Exception& e) {
    check.error(e.mark, fmt::format("not valid YAML: {}", e.msg));
  }
  sort_by_position(set.diagnostics);
  set.files.push_back(std::move(file));
  return set;
}

ExpectationSet load_expectation_directory(const std::string& directory) {
  ExpectationSet set;
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) return set;
  std::vector<std::string> paths;
  for (const auto& item : std::filesystem::directory_iterator(directory, ec))
    if (item.path().extension() == ".yaml") paths.push_back(item.path().string());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    ExpectationSet one = load_expectation_text(path, text.str());
    set.diagnostics.insert(set.diagnostics.end(), one.diagnostics.begin(), one.diagnostics.end());
    for (auto& f : one.files) set.files.push_back(std::move(f));
  }
  return set;
}

std::optional<DifferenceSignature> ExpectationSet::lookup(const std::string& scenario, const std::string& column_id,
                                                          const std::string& column_version,
                                                          const std::string& reference_id,
                                                          std::string* conflict) const {
  std::optional<DifferenceSignature> merged;
  for (const auto& file : files) {
    if (!applies(file.applies_to, column_id, column_version, reference_id)) continue;
    for (const auto& entry : file.entries) {
      if (entry.scenario != scenario) continue;
      if (!merged) merged.emplace();
      for (const auto& [field, value] : entry.fields) {
        auto [it, inserted] = merged->emplace(field, value);
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
    out += fmt::format("  - scenario: {}\n    fields:\n", e.scenario);
    for (const auto& [field, value] : e.fields)
      out += fmt::format("      {}: {}\n", field, value ? quoted(*value) : "null");
    out += fmt::format("    reason: {}\n    link: {}\n", quoted(e.reason), quoted(e.link));
  }
  return out;
}

}  // namespace fdconform
