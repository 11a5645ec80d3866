// Confinement: a scenario is untrusted input (it arrives by pull request), so every path it
// names must stay inside its cell's workdir, and whatever it runs must be the probe or a file
// of its own, unless the scenario is marked `unconfined` (and the user passes
// --allow-unconfined). The drivers enforce the same at open time, without following symlinks;
// these checks exist to give the author file:line and the rule.
#include <fmt/format.h>

#include "scenario/validation_context.hpp"

namespace fdconform {
namespace {

constexpr std::string_view workdir_prefix = "{workdir}";
constexpr std::string_view probe_placeholder = "{probe}";
constexpr std::string_view probe_dir_prefix = "{probe_dir}";
constexpr std::string_view probe_name = "fdconform-probe";

// Why `relative` (a path below some confined root) would leave that root, or empty when it stays.
std::string escape_reason(std::string_view relative) {
  if (relative.starts_with('/')) return "it is absolute";
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    std::string_view component = relative.substr(start, end - start);
    if (component == "..") return "it has a '..' component";
    if (component.find('{') != std::string_view::npos)
      return "a placeholder may only start the path";
    start = end + 1;
  }
  return {};
}

// The part of `path` below {workdir}, or the path itself when it is relative to the workdir.
std::optional<std::string_view> below_workdir(std::string_view path) {
  if (!path.starts_with(workdir_prefix)) return path;
  std::string_view rest = path.substr(workdir_prefix.size());
  if (rest.empty()) return std::string_view(".");
  if (!rest.starts_with('/')) return std::nullopt;
  rest.remove_prefix(1);
  return rest.empty() ? std::string_view(".") : rest;
}

void report(ValidationContext& ctx, const YAML::Node& node, std::string_view where, std::string_view value,
            std::string_view why, std::string_view expected) {
  ctx.check.error(node, fmt::format("{}: '{}' leaves the cell's workdir ({}): expected {}; a scenario that needs "
                                    "this must say why in `unconfined:`",
                                    where, value, why, expected));
}

void report_program(ValidationContext& ctx, const YAML::Node& node, std::string_view where, std::string_view value,
                    std::string_view why) {
  ctx.check.error(node, fmt::format("{}: '{}' is neither the probe nor a file of the scenario's own ({}): expected "
                                    "{{probe}}, a path under {{probe_dir}}/ or {{workdir}}/, a path relative to the "
                                    "workdir, or the bare name fdconform-probe; a scenario that needs this must say "
                                    "why in `unconfined:`",
                                    where, value, why));
}

constexpr std::string_view workdir_expectation = "a path relative to the workdir, without '..'";

// Characters a confined shell command may use: no quoting, expansion, redirection or chaining.
bool plain_shell_word(std::string_view word) {
  for (char c : word) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    ok = ok || std::string_view("_./{}=:,+@%-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void check_workdir_path(ValidationContext& ctx, const YAML::Node& node, std::string_view where,
                        std::string_view path, bool placeholders) {
  if (!ctx.confined) return;
  if (path.empty()) return ctx.check.error(node, fmt::format("{}: expected a non-empty path", where));
  auto rest = placeholders ? below_workdir(path) : std::optional<std::string_view>(path);
  if (!rest) return report(ctx, node, where, path, "{workdir} must be followed by '/'", workdir_expectation);
  if (auto why = escape_reason(*rest); !why.empty())
    report(ctx, node, where, path, why,
           placeholders ? fmt::format("{} (optionally after {{workdir}}/)", workdir_expectation)
                        : std::string(workdir_expectation));
}

void check_program_path(ValidationContext& ctx, const YAML::Node& node, std::string_view where,
                        std::string_view program, bool searched_in_path) {
  if (!ctx.confined) return;
  if (program == probe_placeholder || program.empty()) return;  // "" is refused by every spawn API itself
  if (program.find('/') == std::string_view::npos && program.find('{') == std::string_view::npos) {
    // A bare name: a PATH search finds whatever the machine has under that name.
    if (searched_in_path && program != probe_name)
      report_program(ctx, node, where, program, "a bare name runs whatever PATH finds");
    return;
  }
  if (program.starts_with(probe_dir_prefix)) {
    std::string_view rest = program.substr(probe_dir_prefix.size());
    if (!rest.starts_with('/') || rest.size() == 1)
      return report_program(ctx, node, where, program, "{probe_dir} must be followed by '/' and a name");
    if (auto why = escape_reason(rest.substr(1)); !why.empty()) report_program(ctx, node, where, program, why);
    return;
  }
  auto rest = below_workdir(program);
  if (!rest) return report_program(ctx, node, where, program, "{workdir} must be followed by '/'");
  if (auto why = escape_reason(*rest); !why.empty()) report_program(ctx, node, where, program, why);
}

void check_shell_command(ValidationContext& ctx, const YAML::Node& node, std::string_view where,
                         const std::vector<std::string>& words) {
  if (!ctx.confined) return;
  bool first = true;
  for (const auto& command : words) {
    std::size_t start = 0;
    while (start < command.size()) {
      std::size_t end = command.find(' ', start);
      if (end == std::string::npos) end = command.size();
      std::string_view word = std::string_view(command).substr(start, end - start);
      start = end + 1;
      if (word.empty()) continue;
      if (!plain_shell_word(word))
        return ctx.check.error(
            node, fmt::format("{}: the shell word '{}' uses shell syntax (quotes, expansion, redirection, chaining "
                              "or other special characters): a confined scenario runs only plain words, letters, "
                              "digits and _./{{}}=:,+@%-; a scenario that needs more must say why in `unconfined:`",
                              where, word));
      if (first) check_program_path(ctx, node, where, word, true);
      first = false;
    }
  }
}

}  // namespace fdconform
