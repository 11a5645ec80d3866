#include "commands/columns.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <unistd.h>

#include <fmt/format.h>
#include <stdexcept>

#include "session/discovery.hpp"
#include "scenario/version_gate.hpp"

namespace fdconform {
namespace {

void apply_deviations(const RunOptions& options, std::vector<DriverDescriptor>& descriptors) {
  for (const auto& spec : options.deviations) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw std::runtime_error(fmt::format("--deviate {}: expected IMPL=WHAT", spec));
    std::string impl = spec.substr(0, eq), what = spec.substr(eq + 1);
    bool found = false;
    for (auto& d : descriptors)
      if (d.id == impl) d.variant["deviate"] = what, found = true;
    if (!found) throw std::runtime_error(fmt::format("--deviate {}: no implementation '{}'", spec, impl));
  }
}

std::string ids(const std::vector<DriverDescriptor>& descriptors) {
  std::vector<std::string> out;
  for (const auto& d : descriptors) out.push_back(d.id);
  return fmt::format("{}", fmt::join(out, ", "));
}

bool matches(const std::string& pattern, const std::string& id) { return ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0; }

}  // namespace

std::string default_reference(const std::vector<const DriverDescriptor*>& candidates) {
  const DriverDescriptor* best = nullptr;
  for (const auto* d : candidates)
    if (d->unavailable.empty() && !d->reference_rank.empty() &&
        (!best || compare_versions(d->reference_rank, best->reference_rank) > 0))
      best = d;
  if (best) return best->id;
  for (const auto* d : candidates)
    if (d->unavailable.empty()) return d->id;
  return candidates.empty() ? std::string() : candidates.front()->id;
}

ColumnChoice choose_columns(const RunOptions& options, const Installation& installation) {
  ColumnChoice choice;
  DiscoveredColumns discovered = discover_columns(installation.drivers_dir, options.offered);
  std::vector<DriverDescriptor> all = std::move(discovered.columns);
  choice.notices = std::move(discovered.notices);
  // A --driver file's column replaces a discovered column of the same id: the file is what the
  // user named (a test's own descriptor of a column the build also lists, a modified adapter).
  // Two --driver files with one id are still an error, below.
  const std::size_t discovered_count = all.size();
  std::vector<bool> replaced(discovered_count, false);
  for (const auto& file : options.driver_files) {
    for (auto& extra : read_descriptor_file(file)) {
      std::size_t same = 0;
      while (same < discovered_count && all[same].id != extra.id) ++same;
      if (same < discovered_count && !replaced[same]) {
        choice.notices.push_back(fmt::format("--driver {} replaces the discovered column {}", file, extra.id));
        all[same] = std::move(extra);
        replaced[same] = true;
      } else {
        all.push_back(std::move(extra));
      }
    }
  }
  for (std::size_t i = 0; i < all.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (all[i].id == all[k].id) throw std::runtime_error(fmt::format("two implementations have the id '{}'", all[i].id));
  if (all.empty())
    throw std::runtime_error(fmt::format("no columns: no driver in {} lists any (expected <folder>/columns programs; "
                                         "FDCONFORM_DRIVERS_DIR overrides), and no --driver was given",
                                         installation.drivers_dir));

  // The run's columns: the default ones, or those --impl names.
  std::vector<const DriverDescriptor*> wanted;
  const auto want = [&](const DriverDescriptor& d) {
    if (std::find(wanted.begin(), wanted.end(), &d) == wanted.end()) wanted.push_back(&d);
  };
  for (const auto& pattern : options.impls) {
    bool matched = false;
    for (const auto& d : all)
      if (matches(pattern, d.id)) want(d), matched = true;
    if (!matched)
      throw std::runtime_error(fmt::format("--impl {}: no such implementation; expected one of {}", pattern, ids(all)));
  }
  std::vector<const DriverDescriptor*> defaults;
  for (const auto& d : all)
    if (d.default_column) defaults.push_back(&d);
  if (options.impls.empty()) wanted = defaults;

  // The reference: --reference (an id, or a pattern: its highest-ranked match), else the highest-ranked
  // of the default columns and those --impl names. Narrowing --impl to fewer default columns never
  // changes what every verdict is against.
  if (options.reference.empty()) {
    std::vector<const DriverDescriptor*> candidates = defaults;
    for (const auto* d : wanted)
      if (std::find(candidates.begin(), candidates.end(), d) == candidates.end()) candidates.push_back(d);
    choice.reference_id = default_reference(candidates);
  } else {
    std::vector<const DriverDescriptor*> named;
    for (const auto& d : all)
      if (matches(options.reference, d.id)) named.push_back(&d);
    if (named.empty())
      throw std::runtime_error(fmt::format("--reference {}: no such implementation; expected one of {}",
                                           options.reference, ids(all)));
    choice.reference_id = default_reference(named);
  }

  for (const auto& d : all)
    if (d.id == choice.reference_id) choice.descriptors.push_back(d);  // always runs, first
  for (const auto* d : wanted)
    if (d->id != choice.reference_id) choice.descriptors.push_back(*d);
  apply_deviations(options, choice.descriptors);
  choice.all = std::move(all);
  return choice;
}

std::vector<Column> start_columns(const std::vector<DriverDescriptor>& descriptors, int interrupt_fd,
                                  std::vector<std::unique_ptr<DriverSession>>& sessions) {
  std::vector<Column> columns;
  sessions.clear();
  for (const auto& d : descriptors) {
    Column column{d, {}, false, {}};
    if (!d.unavailable.empty()) {
      column.unavailable = fmt::format("{}: {}", d.id, d.unavailable);
      columns.push_back(std::move(column));
      sessions.push_back(nullptr);
      continue;
    }
    auto session = std::make_unique<DriverSession>(d, interrupt_fd);
    auto missing_file = std::find_if(d.files.begin(), d.files.end(),
                                     [](const std::string& f) { return ::access(f.c_str(), R_OK) != 0; });
    if (::access(d.argv.front().c_str(), F_OK) != 0 && d.argv.front().find('/') != std::string::npos) {
      column.unavailable = fmt::format("driver {}: executable not found: {}", d.id, d.argv.front());
    } else if (missing_file != d.files.end()) {
      column.unavailable = fmt::format("driver {}: file not found: {}", d.id, *missing_file);
    } else if (session->start(std::chrono::seconds(30))) {
      column.available = true;
      column.hello = session->hello();
    } else {
      column.unavailable = session->last_error();
    }
    bool started = column.available;
    columns.push_back(std::move(column));
    sessions.push_back(started ? std::move(session) : nullptr);
  }
  return columns;
}

std::size_t reference_column(const std::vector<Column>& columns, const std::string& reference_id) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].descriptor.id != reference_id) continue;
    // Without the reference every cell would be an error: refuse before running anything.
    if (!columns[i].available)
      throw std::runtime_error(fmt::format("the reference {} is not available ({}); give --reference another "
                                           "implementation",
                                           reference_id, columns[i].unavailable));
    return i;
  }
  throw std::runtime_error(fmt::format("the reference {} is not one of this run's implementations", reference_id));
}

}  // namespace fdconform
