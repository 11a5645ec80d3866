#include "spawn_core/spawn_error.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "fdconform_common/oserror_class.hpp"

#include "python_repr.hpp"

namespace spawn_core {

namespace {

// What os.strerror() prints: the C library's text for the errno.
std::string c_library_text(int error_number) {
  char buffer[256];
  // GNU strerror_r returns a pointer that may or may not be `buffer`.
  const char* text = strerror_r(error_number, buffer, sizeof buffer);
  return text;
}

std::string oserror_message(int error_number, const std::optional<std::string>& filename) {
  std::string message = fmt::format("[Errno {}] {}", error_number, c_library_text(error_number));
  if (filename) message += ": " + detail::python_repr(*filename);
  return message;
}

}  // namespace

SpawnError::SpawnError(FailedStep step, int error_number, std::optional<std::string> filename)
    : std::runtime_error(oserror_message(error_number, filename)),
      step_(step),
      errno_(error_number),
      filename_(std::move(filename)),
      python_type_(python_oserror_type(error_number)),
      message_(oserror_message(error_number, filename_)) {}

SpawnError::SpawnError(std::string python_type, std::string message)
    : std::runtime_error(message), python_type_(std::move(python_type)), message_(std::move(message)) {}

std::string SpawnError::strerror_text() const { return errno_ == 0 ? std::string() : c_library_text(errno_); }

SpawnError SpawnError::invalid_argument(std::string python_type, std::string message) {
  return SpawnError(std::move(python_type), std::move(message));
}

SpawnError SpawnError::path_not_eligible(std::string message) {
  SpawnError error("ValueError", std::move(message));
  error.step_ = FailedStep::path_not_eligible;
  return error;
}

std::string python_oserror_type(int error_number) { return fdconform_common::python_oserror_class(error_number); }

}  // namespace spawn_core
