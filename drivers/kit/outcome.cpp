#include "outcome.hpp"

#include <cstring>

#include <fmt/format.h>

#include "errno_names.hpp"

namespace kit {

Json outcome_from_returncode(int returncode) {
  return Json{{"kind", returncode < 0 ? "signaled" : "exited"},
              {"returncode", returncode},
              {"error_class", nullptr},
              {"errno", nullptr},
              {"filename", nullptr},
              {"message", nullptr}};
}

Json outcome_from_exception(const std::string& error_class, int error_number, const std::optional<std::string>& filename,
                            const std::string& message) {
  Json outcome{{"kind", "exception"}, {"returncode", nullptr}, {"error_class", error_class}};
  // Argument errors (ValueError, TypeError) carry no errno, as in Python.
  if (error_number != 0) {
    char buffer[256];
    outcome["errno"] = error_number;
    outcome["errno_name"] = errno_name(error_number);
    outcome["strerror"] = std::string(strerror_r(error_number, buffer, sizeof buffer));
  } else {
    outcome["errno"] = nullptr;
    outcome["strerror"] = nullptr;
  }
  outcome["filename"] = filename ? Json(*filename) : Json(nullptr);
  // At most one path is attached to a spawn's error, as CPython's subprocess does.
  outcome["filename2"] = nullptr;
  outcome["message"] = message;
  return outcome;
}

Json outcome_from_errno(int error_number) {
  char buffer[256];
  return outcome_from_exception(fdconform_common::python_oserror_class(error_number), error_number, std::nullopt,
                                fmt::format("[Errno {}] {}", error_number, strerror_r(error_number, buffer, sizeof buffer)));
}

}  // namespace kit
