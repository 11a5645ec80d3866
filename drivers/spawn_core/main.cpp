// fdconform-driver-spawn-core: the spawn_core column of the matrix, an adapter
// on the driver kit (drivers/kit/): speaks docs/PROTOCOL.md on stdin/stdout.
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "spawn_core_adapter.hpp"

namespace {

using spawn_core_driver::Json;

int usage(const char* program, const std::string& problem) {
  std::cerr << program << ": " << problem << "\nusage: " << program
            << " [--path auto|fork|vfork|posix_spawn]\n       " << program
            << " --columns [--with PATH]...\n(speaks docs/PROTOCOL.md on stdin/stdout)\n";
  return 2;
}

// The discovery answer (docs/DRIVERS.md, "Discovery"): one column per spawn path, all run by this
// executable; every one is in a default run. `--with` values name other runtimes: none is ours.
int print_columns() {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    std::cerr << "fdconform-driver-spawn-core: cannot read /proc/self/exe: " << ec.message() << "\n";
    return 1;
  }
  for (auto path : {spawn_core::SpawnPath::automatic, spawn_core::SpawnPath::fork, spawn_core::SpawnPath::vfork,
                    spawn_core::SpawnPath::posix_spawn}) {
    Json column = {{"id", spawn_core_driver::implementation_id(path)},
                   {"argv", {self}},
                   {"variant", {{"path", spawn_core_driver::path_name(path)}}},
                   {"default", true}};
    // The automatic path is the reference only when no column ranks higher (docs/DRIVERS.md).
    if (path == spawn_core::SpawnPath::automatic) column["reference_rank"] = "0.1";
    std::cout << column.dump() << "\n";
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  spawn_core::SpawnPath default_path = spawn_core::SpawnPath::automatic;
  if (argc > 1 && std::string_view(argv[1]) == "--columns") {
    for (int i = 2; i < argc; ++i)
      if (std::string_view(argv[i]) != "--with" || ++i == argc) return usage(argv[0], "--columns: expected --with PATH pairs");
    return print_columns();
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "--path" && i + 1 < argc) value = argv[++i];
    else if (arg.starts_with("--path=")) value = arg.substr(7);
    else return usage(argv[0], fmt::format("unexpected argument \"{}\"", arg));
    auto path = spawn_core_driver::spawn_path_from_name(value);
    if (!path) return usage(argv[0], fmt::format("--path: expected auto, fork, vfork or posix_spawn, got \"{}\"", value));
    default_path = *path;
  }
  return kit::serve(spawn_core_driver::Adapter(default_path));
}
