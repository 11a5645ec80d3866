// Spawn-and-wait latency of spawn_core against the raw system calls (issue 6).
//
// Every benchmark name is "<group>/<variant>/<parameter>", which bench/compare
// and bench/plot.py parse:
//   baseline/<impl>/0                                       (small parent, no extra fds)
//   parent_size/<impl>/<MiB held resident by the parent>    (registered once per round)
//   open_fds/<variant>/<extra inheritable fds open>        (machine RLIMIT_NOFILE)
//   fd_limit/<variant>/<RLIMIT_NOFILE>                      (10 extra fds open)
//   pass_fds/spawn_core_automatic/<fds passed>
//   env/<impl>/<variables>
//   communicate/spawn_core_automatic/<MiB round trip through cat>
// Times are wall-clock (UseRealTime): the child's share is the point.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "open_fds.hpp"
#include "parent_ballast.hpp"
#include "raw_spawn.hpp"
#include "spawn_core/spawn_core.hpp"

namespace {

using spawn_core::CloseStrategy;
using spawn_core::Command;
using spawn_core::SpawnPath;

// FDCONFORM_BENCH_CHILD overrides the child, e.g. to measure with one that has
// no C library start-up at all.
const char* const tiny_child =
    std::getenv("FDCONFORM_BENCH_CHILD") ? std::getenv("FDCONFORM_BENCH_CHILD") : FDCONFORM_TINY_CHILD;

// What the parent looks like while a benchmark runs. Each benchmark states all
// of it, so the order benchmarks run in never leaks one's state into another.
struct ParentState {
  std::size_t ballast_mib = 0;
  int open_fds = 10;
  rlim_t fd_limit = 0;  // 0: the machine's limit
};

bool prepare(benchmark::State& state, const ParentState& parent) {
  try {
    bench::hold_parent_ballast(parent.ballast_mib);
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return false;
  }
  if (auto error = bench::hold_open_fds(parent.open_fds, parent.fd_limit); !error.empty()) {
    state.SkipWithError(error.c_str());
    return false;
  }
  return true;
}

Command tiny_command(SpawnPath path) {
  Command command;
  command.args = {tiny_child};
  command.path = path;
  return command;
}

void spawn_core_wait(benchmark::State& state, const Command& command, const ParentState& parent) {
  if (!prepare(state, parent)) return;
  const SpawnPath path =
      command.path == SpawnPath::automatic ? spawn_core::choose_path(command) : command.path;
  state.SetLabel(spawn_core::to_string(path));
  for (auto _ : state) {
    try {
      auto process = spawn_core::spawn(command);
      if (process.wait() != 0) {
        state.SkipWithError("the tiny child did not exit with 0");
        break;
      }
    } catch (const std::exception& error) {
      state.SkipWithError(error.what());
      break;
    }
  }
}

using RawSpawn = pid_t (*)(const char*, char* const[], char* const[]);

void raw_wait(benchmark::State& state, RawSpawn raw_spawn, char* const* envp,
              const ParentState& parent) {
  if (!prepare(state, parent)) return;
  char* const argv[] = {const_cast<char*>(tiny_child), nullptr};
  for (auto _ : state) {
    const pid_t pid = raw_spawn(tiny_child, argv, envp);
    if (pid < 0 || bench::wait_exit_status(pid) != 0) {
      state.SkipWithError("raw spawn of the tiny child failed");
      break;
    }
  }
}

void communicate_round_trip(benchmark::State& state, std::size_t mib) {
  if (!prepare(state, {})) return;
  Command command;
  command.args = {"/bin/cat"};
  command.stdin_stream = spawn_core::Stdio::pipe();
  command.stdout_stream = spawn_core::Stdio::pipe();
  const std::string input(mib << 20, 'x');
  state.SetLabel(spawn_core::to_string(spawn_core::choose_path(command)));
  for (auto _ : state) {
    try {
      auto process = spawn_core::spawn(command);
      auto output = process.communicate(input);
      if (output.stdout_data.size() != input.size() || process.wait() != 0) {
        state.SkipWithError("cat did not return its input");
        break;
      }
    } catch (const std::exception& error) {
      state.SkipWithError(error.what());
      break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void configure(benchmark::internal::Benchmark* benchmark) {
  benchmark->UseRealTime()->Unit(benchmark::kMicrosecond);
}

template <typename... Args>
void add(const std::string& name, Args&&... args) {
  configure(benchmark::RegisterBenchmark(name.c_str(), std::forward<Args>(args)...));
}

// Storage for an environment block that outlives registration.
struct EnvBlock {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  spawn_core::EnvList list;

  explicit EnvBlock(int count) {
    for (int i = 0; i < count; ++i) {
      list.emplace_back("FDCONFORM_BENCH_VAR_" + std::to_string(i), "value_" + std::to_string(i));
      strings.push_back(list.back().first + "=" + list.back().second);
    }
    for (auto& entry : strings) pointers.push_back(entry.data());
    pointers.push_back(nullptr);
  }
};

struct NamedPath {
  const char* name;
  SpawnPath path;
};
const NamedPath spawn_core_paths[] = {
    {"spawn_core_automatic", SpawnPath::automatic},
    {"spawn_core_fork", SpawnPath::fork},
    {"spawn_core_vfork", SpawnPath::vfork},
    {"spawn_core_posix_spawn", SpawnPath::posix_spawn},
};

struct NamedRaw {
  const char* name;
  RawSpawn spawn;
};
const NamedRaw raw_spawns[] = {
    {"raw_posix_spawn", bench::raw_posix_spawn},
    {"raw_posix_spawn_closefrom", bench::raw_posix_spawn_closefrom},
    {"raw_vfork_execve", bench::raw_vfork_execve},
    {"raw_fork_execve", bench::raw_fork_execve},
};

// The close_fds variants: the default path with close_fds on and off, and each
// close strategy on the vfork path (CPython's fork_exec path, where the
// strategies live; the posix_spawn path always uses the C library's closefrom).
struct NamedClose {
  const char* name;
  SpawnPath path;
  bool close_fds;
  CloseStrategy strategy;
};
const NamedClose close_variants[] = {
    {"default_close_fds_on", SpawnPath::automatic, true, CloseStrategy::automatic},
    {"default_close_fds_off", SpawnPath::automatic, false, CloseStrategy::automatic},
    {"vfork_close_range", SpawnPath::vfork, true, CloseStrategy::close_range},
    {"vfork_proc_self_fd", SpawnPath::vfork, true, CloseStrategy::proc_self_fd},
    {"vfork_brute_force", SpawnPath::vfork, true, CloseStrategy::brute_force},
    {"vfork_close_fds_off", SpawnPath::vfork, false, CloseStrategy::automatic},
};

Command close_command(const NamedClose& variant) {
  Command command = tiny_command(variant.path);
  command.close_fds = variant.close_fds;
  command.close_strategy = variant.strategy;
  return command;
}

void register_spawn_paths(const std::string& group, std::size_t mib) {
  const ParentState parent{mib, 0};
  for (const auto& [name, path] : spawn_core_paths) {
    add(group + "/" + name + "/" + std::to_string(mib), spawn_core_wait, tiny_command(path), parent);
  }
  for (const auto& [name, raw] : raw_spawns) {
    add(group + "/" + name + "/" + std::to_string(mib), raw_wait, raw, environ, parent);
  }
}

void register_all(int parent_size_rounds) {
  register_spawn_paths("baseline", 0);

  // Google Benchmark's random interleaving would reallocate the ballast at
  // every step (4 GiB takes seconds), so the sizes are instead walked in
  // rounds, largest first: shrinking is cheap, and each round compares sizes
  // measured close together in time. Each round repeats the same names.
  for (int round = 0; round < parent_size_rounds; ++round) {
    for (std::size_t mib : {4096, 1024, 256, 0}) register_spawn_paths("parent_size", mib);
  }

  for (int count : {10, 1000, 10000}) {
    for (const auto& variant : close_variants) {
      add("open_fds/" + std::string(variant.name) + "/" + std::to_string(count), spawn_core_wait,
          close_command(variant), ParentState{0, count});
    }
  }

  // The limits where this process may set them, plus the machine's own.
  std::vector<rlim_t> limits;
  for (rlim_t limit : {rlim_t{1024}, rlim_t{4096}, rlim_t{65536}, rlim_t{1048576}}) {
    if (bench::fd_limit_reachable(limit)) limits.push_back(limit);
  }
  if (std::find(limits.begin(), limits.end(), bench::machine_fd_limit()) == limits.end()) {
    limits.push_back(bench::machine_fd_limit());
    std::sort(limits.begin(), limits.end());
  }
  for (rlim_t limit : limits) {
    for (const auto& variant : close_variants) {
      add("fd_limit/" + std::string(variant.name) + "/" + std::to_string(limit), spawn_core_wait,
          close_command(variant), ParentState{0, 10, limit});
    }
  }

  for (int count : {1, 10, 100}) {
    Command command = tiny_command(SpawnPath::automatic);
    for (int fd = 3; fd < 3 + count; ++fd) command.pass_fds.push_back(fd);
    add("pass_fds/spawn_core_automatic/" + std::to_string(count), spawn_core_wait, command,
        ParentState{0, 100});
  }

  for (int count : {10, 10000}) {
    static std::vector<std::unique_ptr<EnvBlock>> blocks;
    blocks.push_back(std::make_unique<EnvBlock>(count));
    Command command = tiny_command(SpawnPath::automatic);
    command.env = blocks.back()->list;
    add("env/spawn_core_automatic/" + std::to_string(count), spawn_core_wait, command,
        ParentState{});
    add("env/raw_posix_spawn/" + std::to_string(count), raw_wait, bench::raw_posix_spawn,
        blocks.back()->pointers.data(), ParentState{});
  }

  add("communicate/spawn_core_automatic/100", communicate_round_trip, std::size_t{100});
}

}  // namespace

// Takes "--parent_size_rounds=N" (default 1) out of argv, before Google
// Benchmark sees the flags.
int take_parent_size_rounds(int& argc, char** argv) {
  const std::string flag = "--parent_size_rounds=";
  int rounds = 1;
  int kept = 0;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(flag, 0) == 0) {
      rounds = std::atoi(arg.c_str() + flag.size());
      if (rounds < 1) {
        std::fprintf(stderr, "bench_spawn: expected %sN with N >= 1, got '%s'\n", flag.c_str(),
                     arg.c_str());
        std::exit(2);
      }
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return rounds;
}

int main(int argc, char** argv) {
  bench::machine_fd_limit();  // soft limit up to the hard one, before anything opens fds
  register_all(take_parent_size_rounds(argc, argv));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  bench::hold_parent_ballast(0);
  return 0;
}
