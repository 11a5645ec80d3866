// The three mechanisms that create the child. Each returns the child's pid
// or -errno; none throws between creating the child and returning.
#pragma once

#include <sys/types.h>

#include "child_plan.hpp"

namespace spawn_core::detail {

// fork(2); the child runs run_child(plan).
pid_t launch_by_fork(const ChildPlan& plan) noexcept;

// vfork(2) with every signal blocked in the parent around it; the child
// resets handled signals and restores the mask (plan is updated for that).
// `used_fork` is set when vfork failed and fork was used instead (CPython's fallback).
pid_t launch_by_vfork(ChildPlan& plan, bool& used_fork) noexcept;

}  // namespace spawn_core::detail
