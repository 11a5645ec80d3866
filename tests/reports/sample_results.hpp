#pragma once
// Results documents built in the tests: every verdict kind, and text that needs XML/HTML escaping.
#include <string>

#include <nlohmann/json.hpp>

namespace reports_test {

// Characters every renderer must escape or neutralize, including C0 controls invalid in XML 1.0.
inline const std::string kNasty = "a<b&c\"d'e]]>f\x01g\x1fh</script><!--i";

// 4 scenarios x 3 implementations (reference cpython-3.13.0, spawn_core-vfork, cpython-3.6.15):
//   match 4, differ 3, expected-differ 1, unexpected-pass 1, skip 2, error 1.
// The second scenario's id, title, description and yaml, and the error's reason, contain kNasty.
nlohmann::json sample_results(const std::string& host = "hostA");

// sample_results() as a run with expectation files and a bad scenario file writes it: the expected-differ
// cell (session-setsid on spawn_core-vfork) and the unexpected-pass one (session-setsid on cpython-3.6.15)
// carry the entry that judged them, the expected-differ one a second entry in "also"; and
// "invalid_scenarios" lists two problems of scenarios/broken.yaml.
nlohmann::json sample_results_with_reasons();

// sample_results() with a fifth scenario, "dup2-to-fd-7", that cpython-3.6.15's driver answered no_api for,
// as tests/runner/fake_drivers/fake_driver.py's no-api mode does: reference and vfork match, and the third
// cell is {"verdict": "no-api", "reason": "no API: fd at child fd 7", "capability": "fd at child fd 7"}.
nlohmann::json sample_results_with_no_api(const std::string& host = "hostA");

// A temporary file removed when the object goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void write(const std::string& content) const;

 private:
  std::string path_;
};

// Runs a shell command; returns its exit status and standard output.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& command);
bool have_program(const std::string& name);

}  // namespace reports_test
