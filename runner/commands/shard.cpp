#include "commands/shard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace fdconform {
namespace {

std::optional<std::size_t> whole_number(std::string_view text) {
  std::size_t value = 0;
  if (text.empty() || text.size() > 9) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Shard> parse_shard(const std::string& text, std::string& error) {
  auto slash = text.find('/');
  std::optional<std::size_t> index, count;
  if (slash != std::string::npos) {
    index = whole_number(std::string_view(text).substr(0, slash));
    count = whole_number(std::string_view(text).substr(slash + 1));
  }
  if (!index || !count) {
    error = fmt::format("--shard {}: expected I/N, two whole numbers such as 2/3", text);
    return std::nullopt;
  }
  if (*count < 1 || *index < 1 || *index > *count) {
    error = fmt::format("--shard {}: expected I/N with 1 <= I <= N", text);
    return std::nullopt;
  }
  return Shard{*index, *count};
}

std::vector<Scenario> shard_scenarios(std::vector<Scenario> scenarios, const Shard& shard) {
  std::vector<std::string> ids;
  for (const auto& s : scenarios) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end());
  std::set<std::string> mine;
  for (std::size_t i = shard.index - 1; i < ids.size(); i += shard.count) mine.insert(ids[i]);
  std::vector<Scenario> out;
  for (auto& s : scenarios)
    if (mine.count(s.id)) out.push_back(std::move(s));
  return out;
}

}  // namespace fdconform
