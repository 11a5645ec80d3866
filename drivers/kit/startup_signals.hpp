// The signal dispositions an implementation's runtime sets up for itself as it
// starts, before any code of the column runs (docs/PROTOCOL.md, step 2). They
// belong to the column, not to the scenario: CPython ignores SIGPIPE and
// SIGXFSZ and catches SIGINT, so a column with CPython's semantics declares
// that; a C program starts with every signal at its default and declares
// nothing; a runtime started by fdconform-kit-host sets up its own, which the
// host measures instead (runtime_host.hpp).
#pragma once

#include <vector>

namespace kit {

struct StartupSignals {
  std::vector<int> ignored;  // SIG_IGN
  std::vector<int> caught;   // a handler (the kit's does nothing; the snapshots show only that one exists)

  bool empty() const { return ignored.empty() && caught.empty(); }
};

}  // namespace kit
