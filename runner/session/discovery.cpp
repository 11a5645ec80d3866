#include "session/discovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run/utf8_text.hpp"
#include "session/child_process.hpp"

extern char** environ;

namespace fdconform {
namespace {

// A program that lists columns answers at once; a slow one only delays the start of the run.
constexpr std::chrono::seconds discovery_limit{60};

std::vector<std::string> discovery_programs(const std::string& drivers_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(drivers_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string program = (it->path() / "columns").string();
    if (::access(program.c_str(), X_OK) == 0) out.push_back(program);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The user's own environment, not the drivers' fixed one: discovery looks where the user's
// PATH, HOME and runtime settings (an interpreter manager's root, JAVA_HOME, ...) say.
std::vector<std::string> user_environment() {
  std::vector<std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) out.emplace_back(*entry);
  return out;
}

}  // namespace

DiscoveredColumns discover_columns(const std::string& drivers_dir, const std::vector<std::string>& offered) {
  DiscoveredColumns found;
  std::map<std::string, std::vector<std::string>> unanswered;  // offered path -> why not, per program
  for (const auto& path : offered) {
    // A discovery program answers in JSON text, which cannot carry other bytes: its answer could not
    // name this path, so say so here rather than as a broken line of its output.
    if (!is_valid_utf8(path))
      throw std::runtime_error(fmt::format("--with {}: not valid UTF-8; drivers are told paths as JSON text, so "
                                           "give a path that is (a symlink with a UTF-8 name will do)",
                                           valid_utf8(path)));
    unanswered[path];
  }
  const auto is_offered = [&](const std::string& path) {
    return std::find(offered.begin(), offered.end(), path) != offered.end();
  };
  for (const auto& program : discovery_programs(drivers_dir)) {
    std::vector<std::string> argv = {program};
    for (const auto& path : offered) argv.insert(argv.end(), {"--with", path});
    CapturedRun run = run_and_capture(argv, discovery_limit, user_environment());
    if (!run.ok) {
      // A driver that cannot list its columns here (a limit on processes, a broken runtime) is one
      // column that cannot run, named after its folder, and a note; the other drivers' columns run.
      DriverDescriptor family;
      family.id = std::filesystem::path(program).parent_path().filename().string();
      family.unavailable = fmt::format("listing its columns failed: {}{}", run.error, run.err.empty() ? "" : ": " + run.err);
      found.notices.push_back(family.id + ": " + family.unavailable);
      for (auto& [path, reasons] : unanswered) reasons.push_back(family.id + ": " + family.unavailable);
      found.columns.push_back(std::move(family));
      continue;
    }
    std::istringstream lines(run.out);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = fmt::format("{}: line {}", program, number);
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        throw std::runtime_error(where + ": expected a JSON object (a column descriptor or a notice)");
      std::string offered_with, unavailable;
      try {
        if (j.contains("with")) {
          if (!j["with"].is_string() || !is_offered(j["with"].get<std::string>()))
            throw std::runtime_error("\"with\": expected one of the paths given with --with");
          offered_with = j["with"].get<std::string>();
          j.erase("with");
        }
        if (j.contains("unavailable")) {
          if (!j["unavailable"].is_string() || j["unavailable"].get<std::string>().empty())
            throw std::runtime_error("\"unavailable\": expected a non-empty string saying why");
          unavailable = j["unavailable"].get<std::string>();
          j.erase("unavailable");
        }
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(fmt::format("{}: {}", where, e.what()));
      }
      if (!unavailable.empty() && !j.contains("id")) {
        // A notice: about an offered path, or about something found that cannot be a column.
        if (!offered_with.empty()) {
          if (auto it = unanswered.find(offered_with); it != unanswered.end()) it->second.push_back(unavailable);
        }
        else found.notices.push_back(unavailable);
        continue;
      }
      DriverDescriptor d;
      try {
        d = unavailable.empty() ? parse_descriptor(j) : parse_unavailable_descriptor(j);
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(fmt::format("{}: {}", where, e.what()));
      }
      d.unavailable = unavailable;
      if (!offered_with.empty()) {
        d.default_column = true;
        d.rerun = {"--with", offered_with};
        unanswered.erase(offered_with);
      }
      for (const auto& earlier : found.columns)
        if (earlier.id == d.id) throw std::runtime_error(fmt::format("{}: a second column with the id '{}'", where, d.id));
      found.columns.push_back(std::move(d));
    }
  }
  for (const auto& [path, reasons] : unanswered)
    throw std::runtime_error(fmt::format("--with {}: no driver offers a column for it{}", path,
                                         reasons.empty() ? "" : fmt::format(" ({})", fmt::join(reasons, "; "))));
  return found;
}

}  // namespace fdconform
