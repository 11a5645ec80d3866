// The floor a conformance cell is compared with (bench/cell_cost): the probe
// spawned and reaped with nothing around it, the way a driver spawns it
// (`fdconform-probe --report=<dir>/probe.json`), through the raw calls of
// raw_spawn.cpp.
//   bench_probe_floor PROBE DIR COUNT [posix_spawn|vfork|fork]...
// Prints one JSON object: for each method, the wall time of every spawn in
// microseconds. The methods are interleaved spawn by spawn, so drift on a
// shared machine reaches them alike. Each report is removed after its spawn.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "raw_spawn.hpp"

extern char** environ;

namespace {

using SpawnFunction = pid_t (*)(const char*, char* const[], char* const[]);

SpawnFunction by_name(const std::string& name) {
  if (name == "posix_spawn") return bench::raw_posix_spawn;
  if (name == "vfork") return bench::raw_vfork_execve;
  if (name == "fork") return bench::raw_fork_execve;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PROBE DIR COUNT [posix_spawn|vfork|fork]...\n", argv[0]);
    return 2;
  }
  const std::string probe = argv[1];
  const std::string report = std::string(argv[2]) + "/probe.json";
  const int count = std::atoi(argv[3]);
  std::vector<std::string> names;
  for (int i = 4; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty()) names = {"posix_spawn", "vfork", "fork"};
  std::vector<SpawnFunction> functions;
  for (const auto& name : names) {
    functions.push_back(by_name(name));
    if (!functions.back()) {
      std::fprintf(stderr, "%s: unknown method %s\n", argv[0], name.c_str());
      return 2;
    }
  }
  std::string report_argument = "--report=" + report;
  char* child_argv[] = {const_cast<char*>(probe.c_str()), report_argument.data(), nullptr};
  std::vector<std::vector<double>> samples(names.size());
  for (int i = 0; i < count; ++i) {
    for (std::size_t m = 0; m < names.size(); ++m) {
      const auto started = std::chrono::steady_clock::now();
      const pid_t pid = functions[m](child_argv[0], child_argv, environ);
      const int status = pid < 0 ? -1 : bench::wait_exit_status(pid);
      const auto took = std::chrono::steady_clock::now() - started;
      if (status != 0) {
        std::fprintf(stderr, "%s: %s of %s failed (status %d)\n", argv[0], names[m].c_str(), probe.c_str(), status);
        return 1;
      }
      samples[m].push_back(std::chrono::duration<double, std::micro>(took).count());
      unlink(report.c_str());
    }
  }
  std::printf("{");
  for (std::size_t m = 0; m < names.size(); ++m) {
    std::printf("%s\"%s\": [", m ? ", " : "", names[m].c_str());
    for (std::size_t i = 0; i < samples[m].size(); ++i) std::printf("%s%.1f", i ? ", " : "", samples[m][i]);
    std::printf("]");
  }
  std::printf("}\n");
  return 0;
}
