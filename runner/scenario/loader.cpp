#include "scenario/loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "checklist_ids.hpp"  // generated from docs/CHECKLIST.md (runner/CMakeLists.txt)

#include "scenario/text_checks.hpp"
#include "scenario/validate_libc.hpp"
#include "scenario/validation_context.hpp"
#include "scenario/yaml_checker.hpp"
#include "scenario/yaml_structure.hpp"

namespace fdconform {
namespace {

constexpr std::size_t max_peer_length = 200;

// A peer-suite test: SUITE/FILE::TEST, SUITE [a-z0-9_-]+, FILE [A-Za-z0-9_./-]+, TEST [A-Za-z0-9_.]+.
bool is_peer_test(std::string_view v) {
  const auto is_lower = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; };
  const auto is_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  const std::size_t slash = v.find('/');
  const std::size_t colons = v.find("::");
  if (slash == std::string_view::npos || colons == std::string_view::npos || slash == 0 || colons < slash + 2 ||
      colons + 2 >= v.size())
    return false;
  for (std::size_t i = 0; i < slash; ++i)
    if (!is_lower(v[i])) return false;
  for (std::size_t i = slash + 1; i < colons; ++i)
    if (!is_alnum(v[i]) && v[i] != '_' && v[i] != '.' && v[i] != '/' && v[i] != '-') return false;
  for (std::size_t i = colons + 2; i < v.size(); ++i)
    if (!is_alnum(v[i]) && v[i] != '_' && v[i] != '.') return false;
  return true;
}

void validate_metadata(YamlChecker& check, const MapView& top, std::string_view expected_id, Scenario& s) {
  if (auto f = top.find("format")) {
    if (!YamlChecker::is_plain_scalar(*f) || f->Scalar() != "1")
      check.error(*f, fmt::format("format: expected 1 (the only scenario format version), got {}",
                                  YamlChecker::describe(*f)));
  }
  if (auto id = top.find("id")) {
    if (auto v = check.short_string(*id, "id", max_id_length)) {
      if (!is_scenario_id(*v))
        check.error(*id, fmt::format("id: expected lowercase letters, digits and '-' ([a-z0-9][a-z0-9-]*), got '{}'",
                                     shown(*v)));
      else if (!expected_id.empty() && *v != expected_id)
        check.error(*id, fmt::format("id: '{}' does not match the file name: expected '{}'", *v, shown(expected_id)));
      s.id = *v;
    }
  }
  if (auto t = top.find("title")) s.title = check.line(*t, "title").value_or("");
  if (auto d = top.find("description")) s.description = check.string(*d, "description").value_or("");
  if (auto src = top.find("source")) s.source = check.line(*src, "source").value_or("");
  if (auto c = top.find("covers")) {
    if (auto items = check.string_list(*c, "covers")) {
      if (items->empty()) check.error(*c, "covers: expected a non-empty list of checklist items such as [X7, C1]");
      for (std::size_t i = 0; i < items->size(); ++i)
        if (std::find(checklist_ids.begin(), checklist_ids.end(), (*items)[i]) == checklist_ids.end())
          check.error((*c)[i], fmt::format("covers: unknown checklist item '{}': every id must be an item of {}",
                                           shown((*items)[i]), checklist_ids_document));
      s.covers = *items;
    }
  }
  if (auto p = top.find("peer"); p && !YamlChecker::is_null(*p)) {
    if (auto items = check.string_list(*p, "peer")) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string& v = (*items)[i];
        if (v.size() > max_peer_length)
          check.error((*p)[i], fmt::format("peer[{}]: {} characters: expected at most {}", i, v.size(), max_peer_length));
        else if (!is_peer_test(v))
          check.error((*p)[i], fmt::format("peer[{}]: expected a peer-suite test as SUITE/FILE::TEST such as "
                                           "libuv/test/test-spawn.c::spawn_closed_process_io, got '{}'",
                                           i, shown(v)));
      }
      s.peer = *items;
    }
  }
  if (auto t = top.find("tags"); t && !YamlChecker::is_null(*t)) s.tags = check.string_list(*t, "tags").value_or(std::vector<std::string>{});
  if (auto t = top.find("timeout"); t && !YamlChecker::is_null(*t)) s.timeout_seconds = check.seconds(*t, "timeout", min_timeout_seconds, max_timeout_seconds);
  if (auto u = top.find("unconfined")) {
    if (auto reason = check.line(*u, "unconfined")) s.unconfined = *reason;  // line() refuses an empty reason
  }
}

void validate_document(YamlChecker& check, const YAML::Node& root, std::string_view expected_id, Scenario& s) {
  auto top = check.map(root, "the scenario",
                       {"format", "id", "title", "description", "covers", "source", "peer", "tags", "requires",
                        "parent", "spawn", "steps", "timeout", "expect", "unconfined"});
  if (!top) return;
  check.require(*top, "the scenario", {"format", "id", "title", "description", "covers", "source"});
  const YAML::Node* spawn_node = top->find("spawn");
  const YAML::Node* steps_node = top->find("steps");
  if ((spawn_node == nullptr) == (steps_node == nullptr))
    check.error(top->node, fmt::format("the scenario: expected exactly one of spawn and steps, got {}",
                                       spawn_node ? "both" : "neither"));
  validate_metadata(check, *top, expected_id, s);

  ValidationContext ctx{check, {}};
  ctx.confined = !s.unconfined;
  nlohmann::json requires_json = validate_requires(ctx, top->find("requires"), s.requires_);
  nlohmann::json parent = validate_parent(ctx, top->find("parent"));
  if (parent["audit"] == true &&
      std::find(s.requires_.features.begin(), s.requires_.features.end(), "audit_events") == s.requires_.features.end()) {
    const YAML::Node* parent_node = top->find("parent");
    ctx.check.error(parent_node ? (*parent_node)["audit"] : root,
                    "parent.audit: only a column with Python's audit hooks can record events: expected "
                    "`requires: {features: [audit_events]}`");
  }
  if (!parent["credentials"].is_null() && !s.requires_.root) {
    const YAML::Node* parent_node = top->find("parent");
    ctx.check.error(parent_node ? (*parent_node)["credentials"] : root,
                    "parent.credentials: changing the parent's ids needs root: expected `requires: {root: true}`");
  }
  // A steps scenario sends "spawn": null, a single-spawn one "steps": null.
  nlohmann::json spawn = steps_node ? nlohmann::json(nullptr) : nlohmann::json::object();
  if (spawn_node) spawn = validate_spawn(ctx, *spawn_node);
  require_libc_feature(check, spawn_node, s.requires_);
  nlohmann::json steps = steps_node ? validate_steps(ctx, *steps_node) : nlohmann::json(nullptr);
  if (ctx.python_value_mark && std::find(s.requires_.features.begin(), s.requires_.features.end(),
                                         "python_values") == s.requires_.features.end())
    ctx.check.error(*ctx.python_value_mark,
                    fmt::format("{}: only a Python caller can pass this value: expected "
                                "`requires: {{features: [python_values]}}`",
                                ctx.python_value_path));
  s.expect = validate_expect(ctx, top->find("expect"));
  if (parent["nofile_limit"].is_number_integer()) s.requires_.nofile_limit = parent["nofile_limit"].get<long long>();
  // An fd above the result channel exists only under a soft RLIMIT_NOFILE above it, which the
  // scenario must ask for: the driver's own limit differs from machine to machine.
  if (ctx.highest_fd && (!parent["nofile_limit"].is_number_integer() ||
                         parent["nofile_limit"].get<long long>() <= *ctx.highest_fd))
    check.error(ctx.highest_fd_mark,
                fmt::format("{}: fd {} is above {}: expected `parent.nofile_limit` above it (at least {})",
                            ctx.highest_fd_path, *ctx.highest_fd, result_channel_fd, *ctx.highest_fd + 1));

  s.json = {
      {"format", 1},          {"id", s.id},           {"title", s.title},   {"description", s.description},
      {"covers", s.covers},   {"source", s.source},   {"peer", s.peer},     {"tags", s.tags},     {"requires", requires_json},
      {"parent", parent},     {"spawn", spawn},       {"steps", steps},     {"timeout", nullptr},
      {"expect", s.expect},
  };
  if (s.timeout_seconds) s.json["timeout"] = *s.timeout_seconds;
  s.json["unconfined"] = s.unconfined ? nlohmann::json(*s.unconfined) : nlohmann::json(nullptr);
}

}  // namespace

std::string scenario_stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  for (std::string_view ext : {".yaml", ".yml"})
    if (name.size() > ext.size() && name.ends_with(ext)) return name.substr(0, name.size() - ext.size());
  return name;
}

LoadResult load_scenario_text(const std::string& file, std::string_view text, std::string_view expected_id) {
  LoadResult result;
  if (text.size() > max_scenario_bytes) {
    result.diagnostics.push_back(
        {file, 1, 1, fmt::format("file too large: a scenario must be at most {} bytes", max_scenario_bytes)});
    return result;
  }
  if (auto problem = check_scenario_text(file, text)) {
    result.diagnostics.push_back(*problem);
    return result;
  }
  YamlChecker check(file, result.diagnostics);
  const std::string yaml(text);
  try {
    if (!check_yaml_structure(check, yaml, scenario_structure_limits, "a scenario file")) {
      sort_by_position(result.diagnostics);
      return result;
    }
    YAML::Node root = YAML::Load(yaml);
    Scenario s;
    s.file = file;
    s.yaml = yaml;
    validate_document(check, root, expected_id, s);
    if (result.diagnostics.empty()) result.scenario = std::move(s);
  } catch (const YAML::DeepRecursion& e) {
    check.error(e.mark, "YAML nesting too deep: expected a scenario of ordinary depth");
  } catch (const YAML::ParserException& e) {
    // yaml-cpp's message for a tab in the indentation ("illegal map value") does not name the tab.
    if (auto tab = find_indentation_tab(file, text, e.mark.is_null() ? 1 : e.mark.line + 1))
      result.diagnostics.push_back(*tab);
    else
      check.error(e.mark, fmt::format("YAML syntax error: {}", e.msg));
  } catch (const YAML::Exception& e) {
    check.error(e.mark, fmt::format("cannot read this YAML: {}", e.msg));
  } catch (const std::exception& e) {
    check.error(YAML::Mark::null_mark(), fmt::format("internal error while validating: {}", e.what()));
  }
  sort_by_position(result.diagnostics);
  limit_diagnostics(result.diagnostics);
  if (!result.diagnostics.empty()) result.scenario.reset();
  return result;
}

LoadResult load_scenario_file(const std::string& path) {
  Diagnostic problem;
  auto text = read_scenario_file(path, problem);
  if (!text) return LoadResult{std::nullopt, {problem}};
  return load_scenario_text(path, *text, scenario_stem(path));
}

}  // namespace fdconform
