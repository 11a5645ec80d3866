#include "outcome.hpp"

#include "errno_names.hpp"

namespace driver {

Json outcome_from_returncode(int returncode) {
  return Json{{"kind", returncode < 0 ? "signaled" : "exited"},
              {"returncode", returncode},
              {"error_class", nullptr},
              {"errno", nullptr},
              {"filename", nullptr},
              {"message", nullptr}};
}

Json outcome_from_error(const spawn_core::SpawnError& error) {
  Json outcome{{"kind", "exception"}, {"returncode", nullptr}, {"error_class", error.python_type()}};
  // Argument errors (ValueError, TypeError) carry no errno, as in Python.
  if (error.error_number() != 0) {
    outcome["errno"] = error.error_number();
    outcome["errno_name"] = errno_name(error.error_number());
    outcome["strerror"] = error.strerror_text();
  } else {
    outcome["errno"] = nullptr;
    outcome["strerror"] = nullptr;
  }
  outcome["filename"] = error.filename() ? Json(*error.filename()) : Json(nullptr);
  // spawn_core attaches at most one path to an error, as CPython's subprocess does.
  outcome["filename2"] = nullptr;
  outcome["message"] = error.what();
  return outcome;
}

}  // namespace driver
