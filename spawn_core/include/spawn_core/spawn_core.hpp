// Umbrella header of fdconform's reference spawn core.
#pragma once

#include "spawn_core/command.hpp"
#include "spawn_core/posix_spawn.hpp"
#include "spawn_core/process.hpp"
#include "spawn_core/spawn.hpp"
#include "spawn_core/spawn_error.hpp"
