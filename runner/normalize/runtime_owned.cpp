#include "normalize/runtime_owned.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace fdconform {
namespace {

template <typename Item>
void read_list(const nlohmann::json& owned, const char* key, std::set<Item>& into) {
  auto it = owned.find(key);
  if (it == owned.end()) return;
  constexpr bool numbers = std::is_integral_v<Item>;
  bool ok = it->is_array() && std::all_of(it->begin(), it->end(), [](const nlohmann::json& v) {
              return numbers ? v.is_number_integer() : v.is_string();
            });
  if (!ok)
    throw std::runtime_error(fmt::format("\"runtime_owned\".\"{}\": expected a list of {}", key,
                                         numbers ? "fd numbers" : "names"));
  for (const auto& v : *it) into.insert(v.get<Item>());
}

std::string without_items(const std::string& list, const auto& owned) {
  std::vector<std::string> kept;
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    bool drop = false;
    if constexpr (std::is_same_v<std::decay_t<decltype(owned)>, std::set<long long>>) {
      drop = !item.empty() && item.find_first_not_of("0123456789") == std::string::npos && owned.count(std::stoll(item));
    } else {
      drop = owned.count(item) > 0;
    }
    if (!drop) kept.push_back(item);
  }
  return fmt::format("{}", fmt::join(kept, ","));
}

// "parent.fd.12" or "parent.fd.12.offset" -> 12 under `prefix` ("parent."), else -1.
long long fd_of_field(const std::string& field, const std::string& prefix) {
  const std::string head = prefix + "fd.";
  if (!field.starts_with(head)) return -1;
  std::string rest = field.substr(head.size());
  rest = rest.substr(0, rest.find('.'));
  if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(rest);
}

// The names parent_after.fds gives the owned fds, one per fd: that list names fds by identity
// ("unknown:file"), not by number, so a number can only be matched through its parent_after.fd.N field.
std::multiset<std::string> parent_after_names_of(const Observation& fields, const std::set<long long>& fds) {
  std::multiset<std::string> names;
  for (long long fd : fds) {
    auto it = fields.find(fmt::format("parent_after.fd.{}", fd));
    if (it != fields.end()) names.insert(it->second.substr(0, it->second.find(' ')));
  }
  return names;
}

std::string without_names(const std::string& list, std::multiset<std::string> names) {
  std::vector<std::string> kept;
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    auto it = names.find(item);
    if (it != names.end()) names.erase(it);
    else kept.push_back(item);
  }
  return fmt::format("{}", fmt::join(kept, ","));
}

// An fd field's value ("p.read rdonly cloexec") with its close-on-exec word, always last, turned over.
std::string with_cloexec_turned(const std::string& value) {
  static const std::string word = " cloexec";
  if (value.ends_with(word)) return value.substr(0, value.size() - word.size());
  return value + word;
}

}  // namespace

DeclaredRuntimeState declared_runtime_state(const nlohmann::json& result) {
  DeclaredRuntimeState owned;
  auto it = result.find("runtime_owned");
  if (it == result.end() || it->is_null()) return owned;
  if (!it->is_object()) throw std::runtime_error("\"runtime_owned\": expected an object {fds, signals, process}");
  read_list(*it, "fds", owned.fds);
  read_list(*it, "signals", owned.signals);
  read_list(*it, "process", owned.process);
  read_list(*it, "reflagged_fds", owned.reflagged_fds);
  if (owned.process.count("fds") || owned.process.count("signals"))
    throw std::runtime_error("\"runtime_owned\".\"process\": fds and signals are declared in their own lists");
  return owned;
}

Observation without_runtime_owned(Observation fields, const DeclaredRuntimeState& owned) {
  if (owned.empty()) return fields;
  const std::multiset<std::string> owned_after_names = parent_after_names_of(fields, owned.fds);
  for (const std::string prefix : {"parent.", "parent_after."}) {
    for (auto it = fields.begin(); it != fields.end();) {
      const std::string& field = it->first;
      if (!field.starts_with(prefix)) {
        ++it;
        continue;
      }
      const std::string rest = field.substr(prefix.size());
      const std::string member = rest.substr(0, rest.find('.'));
      long long fd = fd_of_field(field, prefix);
      if ((fd >= 0 && owned.fds.count(fd)) || owned.process.count(member)) {
        it = fields.erase(it);
        continue;
      }
      if (fd >= 0 && owned.reflagged_fds.count(fd) && rest == fmt::format("fd.{}", fd)) it->second = with_cloexec_turned(it->second);
      if (rest == "fds" && prefix == "parent_after.") it->second = without_names(it->second, owned_after_names);
      else if (rest == "fds") it->second = without_items(it->second, owned.fds);
      else if (rest.starts_with("signals.")) it->second = without_items(it->second, owned.signals);
      // The libc-internal lists exist only when not empty (normalizer.cpp, add_signals).
      if (rest.starts_with("signals.libc_internal_") && it->second.empty()) {
        it = fields.erase(it);
        continue;
      }
      ++it;
    }
  }
  return fields;
}

}  // namespace fdconform
