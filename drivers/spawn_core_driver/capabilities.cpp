#include "requirements.hpp"

#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

namespace driver {
namespace {

std::vector<int> version_numbers(const std::string& text, const std::string& context) {
  std::vector<int> numbers;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, '.')) {
    if (part.empty() || part.size() > 6 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw RequestError(fmt::format("{}: expected a dotted version such as 3.11, got \"{}\"", context, text));
    numbers.push_back(std::stoi(part));
  }
  if (numbers.empty()) throw RequestError(fmt::format("{}: expected a dotted version such as 3.11, got \"{}\"", context, text));
  return numbers;
}

// Compares dotted versions; a missing component counts as 0 (3.13 == 3.13.0).
int compare_versions(std::vector<int> a, std::vector<int> b) {
  size_t size = std::max(a.size(), b.size());
  a.resize(size, 0);
  b.resize(size, 0);
  return a < b ? -1 : (a > b ? 1 : 0);
}

std::string trimmed(const std::string& text) {
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// The leading digits-and-dots of the kernel release ("6.1.0-18-amd64" -> "6.1.0").
std::string kernel_release() {
  struct utsname names {};
  if (uname(&names) != 0) return "0";
  std::string release = names.release;
  size_t end = release.find_first_not_of("0123456789.");
  release = release.substr(0, end);
  while (!release.empty() && release.back() == '.') release.pop_back();
  return release.empty() ? "0" : release;
}

// close_range(2) came with Linux 5.9; spawn_core's close_fds tries it first
// (CloseStrategy::automatic). An empty range at the top of the fd space
// closes nothing, so it only tells whether the kernel knows the call.
bool kernel_has_close_range() { return syscall(SYS_close_range, ~0U, ~0U, 0) == 0; }

}  // namespace

const std::vector<std::string>& driver_features() {
  static const std::vector<std::string> features = [] {
    std::vector<std::string> found = {"posix_spawn", "posix_spawn_closefrom", "process_group", "umask",
                                      "user_group",  "pipesize",              "vfork"};
    if (kernel_has_close_range()) found.push_back("close_range");
    return found;
  }();
  return features;
}

bool version_satisfies(const std::string& version, const std::string& spec) {
  const std::string context = "scenario.requires.python";
  auto have = version_numbers(version, context);
  std::istringstream clauses(spec);
  std::string clause;
  bool any = false;
  while (std::getline(clauses, clause, ',')) {
    clause = trimmed(clause);
    static const char* operators[] = {">=", "<=", "==", "!=", ">", "<"};
    const char* op = nullptr;
    for (const char* candidate : operators)
      if (clause.starts_with(candidate)) { op = candidate; break; }
    if (!op) throw RequestError(fmt::format("{}: expected clauses such as \">=3.9,<3.13\", got \"{}\"", context, spec));
    int order = compare_versions(have, version_numbers(trimmed(clause.substr(std::string_view(op).size())), context));
    std::string_view o = op;
    bool holds = o == ">=" ? order >= 0 : o == "<=" ? order <= 0 : o == "==" ? order == 0
               : o == "!=" ? order != 0 : o == ">" ? order > 0 : order < 0;
    if (!holds) return false;
    any = true;
  }
  if (!any) throw RequestError(fmt::format("{}: expected clauses such as \">=3.9,<3.13\", got \"{}\"", context, spec));
  return true;
}

std::optional<std::string> skip_reason(const Json& scenario) {
  const Json* requires_block = member(scenario, "requires", "scenario");
  if (!requires_block) return std::nullopt;
  const std::string where = "scenario.requires";
  object_at(*requires_block, where);
  const bool root = geteuid() == 0;
  if (const Json* v = member(*requires_block, "root", where); v && boolean_at(*v, where + ".root") && !root)
    return "requires root (the driver runs as uid " + std::to_string(geteuid()) + ")";
  if (const Json* v = member(*requires_block, "non_root", where); v && boolean_at(*v, where + ".non_root") && root)
    return std::string("requires a non-root user (the driver runs as root)");
  if (const Json* v = member(*requires_block, "kernel", where)) {
    std::string wanted = string_at(*v, where + ".kernel");
    std::string have = kernel_release();
    if (compare_versions(version_numbers(have, "kernel release"), version_numbers(wanted, where + ".kernel")) < 0)
      return fmt::format("requires Linux {} (running {})", wanted, have);
  }
  if (const Json* v = member(*requires_block, "python", where)) {
    std::string spec = string_at(*v, where + ".python");
    if (!version_satisfies(implemented_python_version, spec))
      return fmt::format("python {} excludes {} (spawn_core implements CPython {})", spec, implemented_python_version,
                         implemented_python_version);
  }
  if (const Json* v = member(*requires_block, "features", where)) {
    for (const Json& feature : array_at(*v, where + ".features")) {
      std::string name = string_at(feature, where + ".features[]");
      const auto& have = driver_features();
      if (std::find(have.begin(), have.end(), name) == have.end())
        return fmt::format("feature {} is not supported by spawn_core", name);
    }
  }
  return std::nullopt;
}

}  // namespace driver
