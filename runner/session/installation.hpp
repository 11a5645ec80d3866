#pragma once
// Where the installed pieces are: the drivers directory (one folder per driver, each with its
// discovery program `columns`: docs/DRIVERS.md, "Discovery"), the probe, and the data (scenarios,
// expectations) a run reads by default. Two layouts are recognised, relative to the fdconform binary
// (paths baked in at build time), so neither a moved build tree nor an installed copy needs the
// source tree:
// - the build tree: <build>/drivers and the probe where CMake built them, data in the source tree;
// - an installation (`cmake --install`, the .deb): <prefix>/bin/fdconform, drivers in
//   <prefix>/libexec/fdconform/drivers, the probe in <prefix>/libexec/fdconform, data in
//   <prefix>/share/fdconform.
// Environment overrides: FDCONFORM_DRIVERS_DIR, FDCONFORM_SOURCE_DIR (the data directory),
// FDCONFORM_PROBE.
#include <string>

namespace fdconform {

struct Installation {
  bool installed = false;         // found the installed layout rather than a build tree
  std::string data_dir;           // the source tree, or <prefix>/share/fdconform
  std::string drivers_dir;        // <drivers>/*/columns list the columns
  std::string probe;              // executable
  std::string scenarios_dir;      // <data>/scenarios
  std::string expectations_dir;   // <data>/expectations
};

// Resolves against the running executable's directory (/proc/self/exe) when `binary_dir` is empty.
Installation find_installation(std::string binary_dir = {});

}  // namespace fdconform
