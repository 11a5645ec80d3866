#include "sample_results.hpp"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace reports_test {
namespace {

using nlohmann::json;

json observation(const std::string& fds, const std::string& session = "parent") {
  json fields = {{"outcome", "exited 0"}, {"child.fds", fds}, {"child.session", session}, {"child.umask", "022"}};
  fields["child.env"] = "A=1\nB=2";
  return fields;
}

json cell(const std::string& scenario, const std::string& impl, const std::string& verdict, json observation_value,
          json reason = nullptr, json diff = json::array(), json failures = json::array()) {
  return {{"scenario", scenario}, {"implementation", impl}, {"verdict", verdict}, {"reason", reason},
          {"observation", observation_value}, {"diff", diff}, {"expectation_failures", failures},
          {"duration_ms", 4.0}, {"class", nullptr}};
}

}  // namespace

json sample_results(const std::string& host) {
  const std::string ref = "cpython-3.13.0", vfork = "spawn_core-vfork", old = "cpython-3.6.15";
  const std::string nasty_id = "nasty-" + kNasty;
  json doc = {
      {"fdconform_results", 1},
      {"complete", true},
      {"fdconform", {{"version", "0.1.0"}, {"commit", "abc1234"}}},
      {"environment", {{"host", host}, {"kernel", "6.1.0-test"}, {"libc", "glibc 2.36"},
                       {"distribution", "Debian GNU/Linux 12 (bookworm)"}, {"cpu", "test cpu"}, {"cores", 2},
                       {"date", "2026-11-25T06:00:00Z"}, {"root", true}}},
      {"reference", ref},
      {"implementations", json::array({
           {{"id", ref}, {"name", "CPython"}, {"version", "3.13.0"}, {"host", host}},
           {{"id", vfork}, {"name", "spawn_core"}, {"version", "0.1.0"}, {"detail", "vfork path"}, {"host", host}},
           {{"id", old}, {"name", "CPython"}, {"version", "3.6.15"}, {"host", host}},
       })},
      {"scenarios", json::array({
           {{"id", "fds-defaults"}, {"title", "defaults"}, {"description", "only 0,1,2 survive"},
            {"file", "scenarios/fds-defaults.yaml"}, {"line", 1}, {"tags", {"fds"}}, {"covers", {"X1"}},
            {"source", "X1"}, {"yaml", "id: fds-defaults\n"}},
           {{"id", nasty_id}, {"title", "title " + kNasty}, {"description", "description " + kNasty},
            {"file", "scenarios/nasty.yaml"}, {"line", 3}, {"tags", {"pass_fds", "nasty"}}, {"covers", {"X7"}},
            {"source", "X7"}, {"yaml", "id: nasty\n# " + kNasty + "\n"}},
           {{"id", "session-setsid"}, {"title", "new session"}, {"file", "scenarios/session-setsid.yaml"},
            {"line", 1}, {"tags", {"session"}}},
           {{"id", "umask-kept"}, {"title", "umask"}, {"file", "scenarios/umask-kept.yaml"}, {"line", 7},
            {"tags", {"umask"}}},
       })},
  };
  json cells = json::array();
  cells.push_back(cell("fds-defaults", ref, "match", observation("0,1,2")));
  cells.push_back(cell("fds-defaults", vfork, "match", observation("0,1,2")));
  cells.push_back(cell("fds-defaults", old, "skip", nullptr, "needs Python >= 3.7"));

  json nasty_diff = json::array({{{"field", "child.fd.5"}, {"expected", "p.read <rdonly>"}, {"actual", nullptr}},
                                 {{"field", "child.fds"}, {"expected", "0,1,2,5"}, {"actual", "0,1,2"}}});
  cells.push_back(cell(nasty_id, ref, "match", observation("0,1,2,5")));
  cells.push_back(cell(nasty_id, vfork, "differ", observation("0,1,2"), "child.fd.5 differs", nasty_diff));
  cells.push_back(cell(nasty_id, old, "error", nullptr, "driver crashed: " + kNasty));

  json session_diff = json::array({{{"field", "child.session"}, {"expected", "self"}, {"actual", "parent"}}});
  cells.push_back(cell("session-setsid", ref, "match", observation("0,1,2", "self")));
  cells.push_back(cell("session-setsid", vfork, "expected-differ", observation("0,1,2"), nullptr, session_diff));
  cells.push_back(cell("session-setsid", old, "unexpected-pass", observation("0,1,2", "self")));

  json umask_failure = json::array({{{"field", "child.umask"}, {"expected", "077"}, {"actual", "022"}}});
  cells.push_back(cell("umask-kept", ref, "differ", observation("0,1,2"), "expectation failed", json::array(),
                       umask_failure));
  cells.push_back(cell("umask-kept", vfork, "differ", observation("0,1,2"), "expectation failed", json::array(),
                       umask_failure));
  cells.push_back(cell("umask-kept", old, "skip", nullptr, "needs root"));
  doc["cells"] = cells;
  doc["summary"] = {{"match", 4}, {"differ", 3}, {"expected-differ", 1}, {"unexpected-pass", 1}, {"skip", 2},
                    {"error", 1}};
  return doc;
}

json sample_results_with_reasons() {
  json doc = sample_results();
  for (auto& cell : doc["cells"]) {
    if (cell["verdict"] == "expected-differ")
      cell["expectation"] = {{"reason", "vfork keeps the parent's session " + kNasty},
                             {"link", "https://example.invalid/issue/1"},
                             {"file", "expectations/spawn_core.yaml"},
                             {"line", 12},
                             {"also", json::array({{{"reason", "second entry"},
                                                    {"link", "https://example.invalid/issue/2"},
                                                    {"file", "expectations/more.yaml"},
                                                    {"line", 3}}})}};
    if (cell["verdict"] == "unexpected-pass")
      cell["expectation"] = {{"reason", "3.6 kept the session"}, {"link", "https://example.invalid/issue/3"},
                             {"file", "expectations/cpython-3.6.yaml"}, {"line", 8}};
  }
  doc["invalid_scenarios"] = json::array(
      {{{"file", "scenarios/broken.yaml"}, {"line", 4}, {"column", 9}, {"message", "parent.umask: expected an octal string"}},
       {{"file", "scenarios/broken.yaml"}, {"line", 7}, {"column", 3}, {"message", "unknown key 'colour'"}}});
  doc["summary"]["invalid_scenarios"] = 1;
  return doc;
}

json sample_results_with_no_api(const std::string& host) {
  json doc = sample_results(host);
  doc["scenarios"].push_back({{"id", "dup2-to-fd-7"}, {"title", "an fd at child fd 7"},
                              {"file", "scenarios/dup2-to-fd-7.yaml"}, {"line", 2}, {"tags", {"fds"}}});
  doc["cells"].push_back(cell("dup2-to-fd-7", "cpython-3.13.0", "match", observation("0,1,2,7")));
  doc["cells"].push_back(cell("dup2-to-fd-7", "spawn_core-vfork", "match", observation("0,1,2,7")));
  json lacking = cell("dup2-to-fd-7", "cpython-3.6.15", "no-api", json::object(), "no API: fd at child fd 7");
  lacking["capability"] = "fd at child fd 7";
  doc["cells"].push_back(lacking);
  doc["summary"]["match"] = 6;
  doc["summary"]["no-api"] = 1;
  return doc;
}

TempFile::TempFile(const std::string& suffix) {
  std::string pattern = "/tmp/fdconform-reports-XXXXXX" + suffix;
  int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("mkstemps failed");
  ::close(fd);
  path_ = pattern;
}

TempFile::~TempFile() { ::unlink(path_.c_str()); }

void TempFile::write(const std::string& content) const {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out << content;
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = ::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool have_program(const std::string& name) {
  return run_command("command -v " + name + " >/dev/null 2>&1").status == 0;
}

}  // namespace reports_test
