#pragma once
// CPython interpreters as columns: discovery (`--oracle all`), version queries, descriptors.
#include <optional>
#include <string>
#include <vector>

#include "drivers/descriptor.hpp"
#include "drivers/installation.hpp"

namespace fdconform {

struct Interpreter {
  std::string path;     // as found or given
  std::string version;  // "3.11.7"
};

// The default oracle: /usr/bin/python3 when it exists, else python3 on PATH.
std::optional<std::string> default_interpreter();

// Where pyenv keeps its versions, as `pyenv root` answers: $PYENV_ROOT, else
// $HOME/.pyenv (empty when neither is set).
std::string pyenv_root();

// Every <pyenv root>/versions/*/bin/python3 (and /root/.pyenv's), every
// /usr/bin/python3.N, then python3 on PATH (not a pyenv shim), deduplicated
// by real path.
std::vector<std::string> all_interpreters();

// Asks the interpreter its version. nullopt and `error` naming the interpreter when it cannot run.
std::optional<Interpreter> query_interpreter(const std::string& path, std::string& error);

// The oracle column of an interpreter: {"id": "cpython-3.13.0", "argv": [py, -I, -S, oracle.py]}.
DriverDescriptor oracle_descriptor(const Interpreter& interpreter, const Installation& installation);

// spawn_core on each of its paths.
std::vector<DriverDescriptor> spawn_core_descriptors(const Installation& installation);

}  // namespace fdconform
