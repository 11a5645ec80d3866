#pragma once
// Shrinks a case while it still shows the same difference: greedy delta debugging over the case's
// structure. Each pass tries, in order, every smaller variant of the current case (a mapping key
// dropped, a sequence item dropped, a number lowered); the first that `keeps` accepts becomes the
// current case and the pass goes on from there. It ends after a pass that changed nothing, so the
// result is 1-minimal: no single drop or lowering keeps the difference.
#include <cstddef>
#include <functional>
#include <vector>

#include "fuzz/case_tree.hpp"

namespace fdconform::fuzz {

// True when the candidate still shows the difference being reduced (same signature). Invalid
// candidates (the validator refuses them) must give false.
using KeepsDifference = std::function<bool(const CaseNode& candidate)>;

struct Reduction {
  CaseNode reduced;
  std::size_t tried = 0;     // candidates asked about (distinct ones; repeats are answered from memory)
  std::size_t accepted = 0;  // candidates that became the current case
};

// `on_step` (optional) hears of every accepted candidate, for progress lines.
Reduction reduce(const CaseNode& original, const KeepsDifference& keeps,
                 const std::function<void(const Reduction&)>& on_step = {});

// Every candidate one step smaller than `node`, in the order reduce tries them: removals before
// lowerings, outer before inner.
std::vector<CaseNode> smaller_variants(const CaseNode& node);

}  // namespace fdconform::fuzz
