#include "reports/verdict.hpp"

#include <array>
#include <utility>

namespace reports {
namespace {
constexpr std::array<std::pair<Verdict, std::string_view>, 7> kNames{{
    {Verdict::match, "match"},
    {Verdict::differ, "differ"},
    {Verdict::expected_differ, "expected-differ"},
    {Verdict::unexpected_pass, "unexpected-pass"},
    {Verdict::skip, "skip"},
    {Verdict::error, "error"},
    {Verdict::no_api, "no-api"},
}};
}  // namespace

std::string_view verdict_name(Verdict verdict) {
  for (const auto& [value, name] : kNames)
    if (value == verdict) return name;
  return "error";
}

std::optional<Verdict> parse_verdict(std::string_view name) {
  for (const auto& [value, known] : kNames)
    if (known == name) return value;
  return std::nullopt;
}

bool counts_as_passed(Verdict verdict) {
  return verdict == Verdict::match || verdict == Verdict::expected_differ;
}

bool counts_as_failed(Verdict verdict) {
  return verdict == Verdict::differ || verdict == Verdict::unexpected_pass || verdict == Verdict::error;
}

}  // namespace reports
