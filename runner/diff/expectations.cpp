#include "diff/expectations.hpp"

#include <fmt/format.h>

#include "fdconform_common/signal_names.hpp"

namespace fdconform {
namespace {

std::optional<std::string> lookup(const Observation& o, const std::string& field) {
  auto it = o.find(field);
  if (it == o.end()) return std::nullopt;
  return it->second;
}

std::string first_word(const std::string& value) { return value.substr(0, value.find(' ')); }

// The `outcome` field the expect block describes, or a prefix of it when it says only the kind.
struct OutcomeExpectation {
  std::string value;
  bool prefix_only;
};

std::optional<OutcomeExpectation> expected_outcome(const nlohmann::json& expect) {
  std::string kind = expect.value("outcome", "");
  if (kind.empty()) {
    if (expect.contains("exception")) kind = "exception";
    else if (expect.contains("returncode")) kind = expect["returncode"].get<long long>() < 0 ? "signaled" : "exited";
    else return std::nullopt;
  }
  if (kind == "exception") return OutcomeExpectation{kind, false};
  if (expect.contains("returncode")) {
    long long rc = expect["returncode"].get<long long>();
    if (kind == "signaled") return OutcomeExpectation{"signaled " + fdconform_common::signal_name(static_cast<int>(rc < 0 ? -rc : rc)), false};
    return OutcomeExpectation{fmt::format("exited {}", rc), false};
  }
  return OutcomeExpectation{kind, true};
}

}  // namespace

bool in_python_error_words(const std::string& field) {
  return field.ends_with("error_class") || field.ends_with("outcome.message") || field.ends_with("outcome.filename") ||
         field.ends_with("outcome.filename2");
}

std::vector<FieldDifference> check_expectations(const nlohmann::json& expect, const Observation& observation,
                                                ErrorWords words, std::vector<FieldDifference>* not_held) {
  std::vector<FieldDifference> failures;
  if (!expect.is_object()) return failures;
  auto require = [&](const std::string& field, const std::string& value) {
    auto actual = lookup(observation, field);
    if (actual == value) return;
    if (words == ErrorWords::own && in_python_error_words(field)) {
      if (not_held) not_held->push_back({field, value, actual});
      return;
    }
    failures.push_back({field, value, actual});
  };

  if (auto outcome = expected_outcome(expect)) {
    auto actual = lookup(observation, "outcome");
    bool holds = actual && (outcome->prefix_only ? first_word(*actual) == outcome->value : *actual == outcome->value);
    if (!holds) failures.push_back({"outcome", outcome->value, actual});
  }
  // `exception: CLASS` names the runtime's error class, a field apart from how the call ended.
  if (expect.contains("exception")) require("outcome.error_class", expect["exception"].get<std::string>());
  if (expect.contains("errno")) require("outcome.errno", expect["errno"].get<std::string>());
  if (expect.contains("filename")) require("outcome.filename", expect["filename"].get<std::string>());

  if (expect.contains("fds")) {
    std::vector<std::string> numbers;
    for (const auto& [fd, name] : expect["fds"].items()) numbers.push_back(fd);
    std::sort(numbers.begin(), numbers.end(), [](const auto& a, const auto& b) { return std::stol(a) < std::stol(b); });
    require("child.fds", fmt::format("{}", fmt::join(numbers, ",")));
    // Each named fd: the name is the value's first word (access and flags follow it).
    for (const auto& [fd, name] : expect["fds"].items()) {
      std::string field = "child.fd." + fd;
      auto actual = lookup(observation, field);
      if (!actual || first_word(*actual) != name.get<std::string>())
        failures.push_back({field, name.get<std::string>(), actual});
    }
  }
  if (expect.contains("fields"))
    for (const auto& [field, value] : expect["fields"].items()) require(field, value.get<std::string>());
  return failures;
}

}  // namespace fdconform
