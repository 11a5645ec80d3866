#include "scenario/validation_context.hpp"

#include <cctype>
#include <fmt/format.h>

#include <limits>

#include "fdconform_common/signal_names.hpp"

namespace fdconform {

const ResourceEnd* ValidationContext::find_end(std::string_view name) const {
  for (const auto& e : ends)
    if (e.name == name) return &e;
  return nullptr;
}

std::string SpawnStep::place() const {
  if (entry) return fmt::format("steps[{}].together[{}]", step, *entry);
  return fmt::format("steps[{}]", step);
}

const SpawnStep* ValidationContext::find_spawn(std::string_view name) const {
  for (const auto& s : spawn_steps)
    if (s.name == name) return &s;
  return nullptr;
}

std::string ValidationContext::missing_end_note(std::string_view name) const {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  const std::string_view stream = name.substr(dot + 1);
  if (stream != "stdin" && stream != "stdout" && stream != "stderr") return {};
  const SpawnStep* spawn = find_spawn(name.substr(0, dot));
  if (!spawn) return {};
  // A spawn of the together step being read: its pipes exist once its thread has spawned, and the other
  // threads cannot know when that is.
  if (spawn->step == current_step && spawn->entry)
    return fmt::format("{} is a pipe end of the spawn {} of the same together step ({}): only a later step may name "
                       "it, not another entry of that together",
                       name, spawn->name, spawn->place());
  if (spawn->step >= current_step)
    return fmt::format("{} is a pipe end of the spawn step {} ({}): only a later step may name it", name,
                       spawn->name, spawn->place());
  if (spawn->kind.empty()) return {};
  if (spawn->kind != "popen")
    return fmt::format("{} ({}) is a {} spawn: only a popen spawn with `{}: pipe` leaves an end named {}",
                       spawn->name, spawn->place(), spawn->kind, stream, name);
  return fmt::format("the popen spawn {} ({}) has no {} pipe: expected `{}: pipe` there for an end named {}",
                     spawn->name, spawn->place(), stream, stream, name);
}

std::string ValidationContext::end_names() const {
  if (ends.empty()) return "(no resources are declared)";
  // A few are enough to show the spelling; a file with a thousand resources would repeat them all
  // in every message.
  constexpr std::size_t listed = 20;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < ends.size() && i < listed; ++i) names.push_back(ends[i].name);
  std::string out = join(names, ", ");
  if (ends.size() > listed) out += fmt::format(" (and {} more)", ends.size() - listed);
  return out;
}

std::optional<long long> ValidationContext::fd_number(const YAML::Node& node, std::string_view path) {
  static const std::string what =
      fmt::format("an fd number from 0 to {} ({} is the driver's result channel)", max_fd_number, result_channel_fd);
  auto fd = check.integer(node, path, 0, max_fd_number, what);
  if (fd && *fd == result_channel_fd) {
    check.error(node, fmt::format("{}: fd {} is reserved for the driver's result channel: expected an fd from 0 to {}",
                                  path, *fd, result_channel_fd - 1));
    return std::nullopt;
  }
  if (fd && *fd > result_channel_fd && (!highest_fd || *fd > *highest_fd)) {
    highest_fd = *fd;
    highest_fd_mark = node.Mark();
    highest_fd_path = std::string(path);
  }
  return fd;
}

std::optional<long long> ValidationContext::argument_fd(const YAML::Node& node, std::string_view path) {
  if (YamlChecker::is_plain_scalar(node) && node.Scalar().starts_with("-")) {
    static const std::string what = fmt::format(
        "an fd number from 0 to {}, or -1000 to -1 (a negative argument on purpose)", max_fd_number);
    return check.integer(node, path, min_argument_fd, -1, what);
  }
  return fd_number(node, path);
}

std::optional<nlohmann::json> ValidationContext::argument_fd_reference(const YAML::Node& node, std::string_view path) {
  if (YamlChecker::is_plain_scalar(node) && node.Scalar().starts_with("-")) {
    if (auto fd = argument_fd(node, path)) return nlohmann::json(*fd);
    return std::nullopt;
  }
  return fd_reference(node, path);
}

std::optional<nlohmann::json> ValidationContext::fd_reference(const YAML::Node& node, std::string_view path) {
  if (YamlChecker::is_plain_scalar(node) && !node.IsNull()) {
    const std::string& text = node.Scalar();
    bool numeric = !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-');
    if (numeric) {
      auto fd = fd_number(node, path);
      if (!fd) return std::nullopt;
      return nlohmann::json(*fd);
    }
  }
  if (!node.IsScalar() || YamlChecker::is_null(node)) {
    check.error(node, fmt::format("{}: expected an fd number or a resource name, got {}", path,
                                  YamlChecker::describe(node)));
    return std::nullopt;
  }
  if (!find_end(node.Scalar())) {
    if (auto note = missing_end_note(node.Scalar()); !note.empty()) {
      check.error(node, fmt::format("{}: '{}' names no resource: {}", path, shown(node.Scalar()), note));
      return std::nullopt;
    }
    check.error(node, fmt::format("{}: '{}' names no resource: expected an fd number or one of {}", path,
                                  shown(node.Scalar()), end_names()));
    return std::nullopt;
  }
  return nlohmann::json(node.Scalar());
}

nlohmann::json validate_signal_list(ValidationContext& ctx, const YAML::Node& node, std::string_view path,
                                    bool forbid_uncatchable, bool numbers_allowed) {
  nlohmann::json out = nlohmann::json::array();
  auto items = ctx.check.sequence(node, path);
  if (!items) return out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    std::string item_path = fmt::format("{}[{}]", path, i);
    if (numbers_allowed && YamlChecker::is_plain_scalar(item) && !item.Scalar().empty() &&
        (std::isdigit(static_cast<unsigned char>(item.Scalar()[0])) || item.Scalar()[0] == '-')) {
      if (auto number = ctx.check.integer(item, item_path, std::numeric_limits<int>::min(),
                                          std::numeric_limits<int>::max(),
                                          "a signal name or a number in the C int range"))
        out.push_back(*number);
      continue;
    }
    auto name = ctx.check.string(item, item_path);
    if (!name) continue;
    auto number = fdconform_common::signal_number(*name);
    if (!number) {
      ctx.check.error(item, fmt::format("{}: unknown signal name '{}': expected SIGHUP ... SIGSYS, SIGRTMIN, "
                                        "SIGRTMIN+N, SIGRTMAX-N or SIGRTMAX",
                                        item_path, shown(*name)));
      continue;
    }
    if (forbid_uncatchable && (*name == "SIGKILL" || *name == "SIGSTOP")) {
      ctx.check.error(item, fmt::format("{}: {} cannot be ignored, caught or defaulted: expected another signal",
                                        item_path, *name));
      continue;
    }
    out.push_back(*name);
  }
  return out;
}

}  // namespace fdconform
