// The child's side of a fork/vfork spawn: CPython's child_exec, one straight
// line of raw system calls over a ChildPlan prepared by the parent.
#pragma once

#include "child_plan.hpp"

namespace spawn_core::detail {

// Never returns: execs, or writes the error record and _exits with 255.
// Async-signal-safe and vfork-safe (touches no memory but its own stack,
// errno and the plan's bytes, which it only reads).
[[noreturn]] void run_child(const ChildPlan& plan) noexcept;

}  // namespace spawn_core::detail
