#pragma once
// One implementation column of the matrix: its descriptor, and what its driver said in its hello.
#include <string>

#include "session/driver_session.hpp"

namespace fdconform {

struct Column {
  DriverDescriptor descriptor;
  DriverHello hello;
  bool available = false;   // the driver started and said hello
  std::string unavailable;  // why not (every cell of the column is then an error)
};

}  // namespace fdconform
