#pragma once
// Random but valid scenarios (format 1: a single spawn of any kind, or steps with named spawns, calls, waits,
// parent calls and threads), the same case for the same seed and case number on every machine: the random numbers come from std::mt19937_64, whose output the C++
// standard fixes, and are turned into choices here rather than by the library's distributions, whose
// results are left to each implementation.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fuzz/case_tree.hpp"

namespace fdconform::fuzz {

// The body (parent, spawn) of case `case_number` of `seed`.
CaseNode generate_case(std::uint64_t seed, std::uint64_t case_number);

// The id a case's scenario has: fuzz-<seed>-<case>.
std::string case_id(std::uint64_t seed, std::uint64_t case_number);

// Checklist items (docs/CHECKLIST.md) a body exercises, for its `covers`: the close_fds, pass_fds,
// redirection, low-fd, preexec, limit, credential, group and signal items its keys touch.
std::vector<std::string> covered_items(const CaseNode& body);

}  // namespace fdconform::fuzz
