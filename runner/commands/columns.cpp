#include "commands/columns.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <unistd.h>

#include <fmt/format.h>
#include <stdexcept>

#include "drivers/interpreters.hpp"
#include "scenario/version_gate.hpp"

namespace fdconform {
namespace {

std::vector<DriverDescriptor> oracle_columns(const RunOptions& options, const Installation& installation) {
  std::vector<std::string> paths;
  for (const auto& o : options.oracles) {
    if (o == "all") {
      auto all = all_interpreters();
      paths.insert(paths.end(), all.begin(), all.end());
    } else {
      paths.push_back(o);
    }
  }
  if (options.oracles.empty()) {
    auto fallback = default_interpreter();
    if (!fallback) throw std::runtime_error("no Python interpreter found: expected /usr/bin/python3 or python3 on PATH (or give --oracle PYTHON)");
    paths.push_back(*fallback);
  }
  std::vector<DriverDescriptor> out;
  for (const auto& path : paths) {
    std::string error;
    auto interpreter = query_interpreter(path, error);
    if (!interpreter) throw std::runtime_error(error);
    auto d = oracle_descriptor(*interpreter, installation);
    bool duplicate = false;
    for (const auto& existing : out) duplicate = duplicate || existing.id == d.id;
    if (!duplicate) out.push_back(std::move(d));  // the same version twice (a symlink) is one column
  }
  return out;
}

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

}  // namespace

std::string default_reference(const std::vector<DriverDescriptor>& descriptors) {
  const DriverDescriptor* best = nullptr;
  for (const auto& d : descriptors)
    if (!d.reference_rank.empty() && (!best || compare_versions(d.reference_rank, best->reference_rank) > 0)) best = &d;
  if (best) return best->id;
  return descriptors.empty() ? std::string() : descriptors.front().id;
}

std::vector<DriverDescriptor> select_descriptors(const RunOptions& options, const Installation& installation,
                                                 std::string& reference_id) {
  std::vector<DriverDescriptor> all = spawn_core_descriptors(installation);
  auto oracles = oracle_columns(options, installation);
  all.insert(all.end(), oracles.begin(), oracles.end());
  for (const auto& file : options.driver_files) {
    auto extra = read_descriptor_file(file);
    all.insert(all.end(), extra.begin(), extra.end());
  }
  for (std::size_t i = 0; i < all.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (all[i].id == all[k].id) throw std::runtime_error(fmt::format("two implementations have the id '{}'", all[i].id));

  // The reference comes from every column the run could have, before --impl narrows them: narrowing what
  // is shown must never change what every verdict is against.
  if (options.reference.empty()) {
    reference_id = default_reference(all);
  } else {
    bool known = false;
    for (const auto& d : all) known = known || d.id == options.reference;
    if (!known)
      throw std::runtime_error(fmt::format("--reference {}: no such implementation; expected one of {}",
                                           options.reference, ids(all)));
    reference_id = options.reference;
  }

  std::vector<DriverDescriptor> selected;
  if (options.impls.empty()) {
    selected = all;
  } else {
    for (const auto& d : all)
      if (d.id == reference_id) selected.push_back(d);  // always runs, first
    for (const auto& pattern : options.impls) {
      bool matched = false;
      for (const auto& d : all) {
        if (::fnmatch(pattern.c_str(), d.id.c_str(), 0) != 0) continue;
        matched = true;
        bool already = false;
        for (const auto& s : selected) already = already || s.id == d.id;
        if (!already) selected.push_back(d);
      }
      if (!matched)
        throw std::runtime_error(fmt::format("--impl {}: no such implementation; expected one of {}", pattern, ids(all)));
    }
  }
  apply_deviations(options, selected);
  return selected;
}

std::vector<Column> start_columns(const std::vector<DriverDescriptor>& descriptors, int interrupt_fd,
                                  std::vector<std::unique_ptr<DriverSession>>& sessions) {
  std::vector<Column> columns;
  sessions.clear();
  for (const auto& d : descriptors) {
    Column column{d, {}, false, {}};
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
