#pragma once
// `run --shard I/N`: which scenarios one of N CI jobs runs. Deterministic and independent of the order
// the files were found in: the scenarios sorted by id, every Nth one starting at the (I-1)th, so the N
// shards are disjoint, cover the corpus, and differ in size by at most one.
#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace fdconform {

struct Shard {
  std::size_t index = 1;  // 1-based
  std::size_t count = 1;
};

// "I/N" with 1 <= I <= N; nullopt and `error` set ("--shard 4/3: expected I/N with 1 <= I <= N") otherwise.
std::optional<Shard> parse_shard(const std::string& text, std::string& error);

// The shard's scenarios, in the order they came.
std::vector<Scenario> shard_scenarios(std::vector<Scenario> scenarios, const Shard& shard);

}  // namespace fdconform
