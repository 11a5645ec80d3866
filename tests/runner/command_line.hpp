#pragma once
// Running the built fdconform binary from a runner test, the way a user does from a shell: the one place
// the command-line tests (cli, fuzz_cli, end_to_end, confinement) start it and read what it wrote.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace fdconform_test {

struct CommandOutcome {
  int status = -1;  // the exit status; -1 when it did not exit (killed) or could not start
  std::string out;  // stdout and stderr, interleaved as a terminal would show them
};

// `fdconform ARGUMENTS` through /bin/sh, so quoting in ARGUMENTS works as in a shell.
inline CommandOutcome run_fdconform(const std::string& arguments) {
  std::string command = std::string(FDCONFORM_BINARY) + " " + arguments + " 2>&1";
  CommandOutcome result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A file name private to the running test, so tests run in parallel never share one.
inline std::string per_test_path(const std::string& prefix, const std::string& stem) {
  return ::testing::TempDir() + "/" + prefix + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
         "-" + stem;
}

// The JSON document at `path`; a discarded value (is_discarded()) when it is missing or not JSON.
inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  return in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json(nlohmann::json::value_t::discarded);
}

// A column of tests/runner/fake_drivers/fake_driver.py: `mode` is how its driver behaves ("ok", or one of the
// failures that script knows), `variant` what the column changes in its observations (none when null).
inline nlohmann::json fake_column(const std::string& id, const std::string& mode = "ok",
                                  const nlohmann::json& variant = nullptr) {
  const std::string script = std::string(RUNNER_TESTS_DIR) + "/fake_drivers/fake_driver.py";
  nlohmann::json descriptor = {{"id", id}, {"argv", {"/usr/bin/python3", script, mode, id}}};
  if (!variant.is_null()) descriptor["variant"] = variant;
  return descriptor;
}

// Writes `descriptors` (a JSON array) as a --driver file at `path` and returns the path.
inline std::string write_driver_file(const std::string& path, const nlohmann::json& descriptors) {
  std::ofstream(path) << descriptors.dump();
  return path;
}

}  // namespace fdconform_test
