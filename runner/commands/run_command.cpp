// `fdconform run`: scenario -> driver -> probe -> normalize -> diff -> report, for every cell.
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>

#include <csignal>
#include <ostream>
#include <regex>
#include <thread>

#include "commands/columns.hpp"
#include "commands/commands.hpp"
#include "commands/corpus.hpp"
#include "drivers/installation.hpp"
#include "report/outputs.hpp"
#include "run/environment.hpp"
#include "run/interrupt.hpp"
#include "run/orphan_reaper.hpp"
#include "expectations/expectation_files.hpp"
#include "expectations/update_expectations.hpp"
#include "run/results_document.hpp"
#include "run/scheduler.hpp"

#ifdef FDCONFORM_HAVE_REPORTS
#include "reports/progress.hpp"
#include "reports/verdict.hpp"
#endif

namespace fdconform {
namespace {

// Whatever fds the runner inherited (from a shell, ctest, CI) must not reach drivers or probes.
void make_inherited_fds_cloexec() {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    int own = ::dirfd(dir);
    while (auto* entry = ::readdir(dir)) {
      int fd = std::atoi(entry->d_name);
      if (fd > 2 && fd != own) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::closedir(dir);
  }
}

std::vector<Scenario> filtered(std::vector<Scenario> scenarios, const std::string& filter) {
  if (filter.empty()) return scenarios;
  std::regex pattern(filter);  // throws std::regex_error for a bad expression
  std::vector<Scenario> out;
  for (auto& s : scenarios)
    if (std::regex_search(s.id, pattern)) out.push_back(std::move(s));
  return out;
}

std::string source_dir() {
  const char* env = std::getenv("FDCONFORM_SOURCE_DIR");
  return env && *env ? env : FDCONFORM_SOURCE_DIR_DEFAULT;
}

// Prints each failing or skipped cell as its row completes.
class LiveOutput {
 public:
  LiveOutput(std::ostream& out, std::size_t total)
      : out_(out)
#ifdef FDCONFORM_HAVE_REPORTS
        , progress_(out, total, reports::is_terminal(out))
#endif
  {
    (void)total;
  }

  void row(const std::vector<JudgedCell*>& row, const std::vector<Scenario>& scenarios, const std::vector<Column>& columns) {
    for (const auto* cell : row) {
      const auto& scenario = scenarios[cell->scenario].id;
      const auto& impl = columns[cell->column].descriptor.id;
      const auto& j = cell->judgement;
#ifdef FDCONFORM_HAVE_REPORTS
      if (auto v = reports::parse_verdict(to_string(j.verdict))) progress_.record(scenario, impl, *v, j.reason);
#else
      if (j.verdict != Verdict::match) out_ << fmt::format("{} {} [{}]: {}\n", to_string(j.verdict), scenario, impl, j.reason);
#endif
    }
  }

  void finish() {
#ifdef FDCONFORM_HAVE_REPORTS
    progress_.finish();
#endif
    out_.flush();
  }

 private:
  std::ostream& out_;
#ifdef FDCONFORM_HAVE_REPORTS
  reports::Progress progress_;
#endif
};

}  // namespace

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  // Declared first so it is destroyed last, after every driver session is gone.
  OrphanReaper orphan_reaper;
  install_interrupt_handlers();
  make_inherited_fds_cloexec();

  auto corpus = load_corpus(options.paths.empty() ? std::vector<std::string>{"scenarios"} : options.paths);
  print_problems(corpus, err);
  std::vector<Scenario> scenarios;
  std::vector<Column> columns;
  std::vector<std::unique_ptr<DriverSession>> warm;
  std::size_t reference = 0;
  Installation installation = find_installation();
  try {
    scenarios = filtered(std::move(corpus.scenarios), options.filter);
    columns = start_columns(select_descriptors(options, installation), interrupt_fd(), warm);
    reference = choose_reference(columns, options.reference);
  } catch (const std::regex_error& e) {
    err << fmt::format("fdconform: --filter {}: not a valid regular expression ({})\n", options.filter, e.what());
    return 2;
  } catch (const std::exception& e) {
    err << "fdconform: " << e.what() << '\n';
    return 2;
  }
  for (const auto& c : columns)
    if (!c.available) err << "fdconform: " << c.unavailable << '\n';

  const std::string expectations_dir =
      options.expectations_dir.empty() ? source_dir() + "/expectations" : options.expectations_dir;
  ExpectationSet expectations;
  if (!options.no_expectations) {
    expectations = load_expectation_directory(expectations_dir);
    if (!expectations.diagnostics.empty()) {
      for (const auto& d : expectations.diagnostics) err << d.to_string() << '\n';
      err << "fdconform: the expectation files have errors; fix them or pass --no-expectations\n";
      return 2;
    }
  }

  RunDirectory run_dir;
  if (!run_dir.ok()) {
    err << "fdconform: " << run_dir.error() << '\n';
    return 2;
  }
  RunPlan plan;
  plan.scenarios = &scenarios;
  plan.columns = &columns;
  plan.reference_column = reference;
  plan.jobs = options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  plan.settings.probe = installation.probe;
  plan.settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  plan.settings.host = HostFacts::current();
  plan.settings.interrupt_fd = interrupt_fd();
  plan.settings.allow_unconfined = options.allow_unconfined;
  plan.expectations = options.no_expectations ? nullptr : &expectations;
  plan.cold = options.cold;

  LiveOutput live(out, scenarios.size() * columns.size());
  Scheduler scheduler(plan, run_dir, [&](const std::vector<JudgedCell*>& row) { live.row(row, scenarios, columns); });
  scheduler.adopt_sessions(std::move(warm));
  bool complete = scheduler.run();
  live.finish();

  RunRecord record;
  record.scenarios = &scenarios;
  record.columns = &columns;
  record.reference_column = reference;
  record.cells = scheduler.finished_cells();
  record.complete = complete && !interrupt_requested();
  record.environment = describe_environment();
  record.fdconform = describe_fdconform(source_dir());
  nlohmann::json document = results_document(record);

  OutputFiles files{options.json_file, options.junit_file, options.html_file};
  if (!options.out_dir.empty()) {
    auto in_dir = files_in_directory(options.out_dir);
    if (files.json.empty()) files.json = in_dir.json;
    if (files.junit.empty()) files.junit = in_dir.junit;
    if (files.html.empty()) files.html = in_dir.html;
  }
  auto write_errors = write_outputs(document, files);
  for (const auto& e : write_errors) err << "fdconform: " << e << '\n';

  if (options.update_expectations && record.complete) {
    ExpectationUpdate update = update_expectations(expectations, expectations_dir, scenarios, columns, reference,
                                                   record.cells, document["environment"].value("date", ""));
    out << fmt::format("fdconform: expectations: {} added, {} replaced, {} removed\n", update.added, update.replaced,
                       update.removed);
    for (const auto& path : update.written) out << "fdconform: rewrote " << path << '\n';
    if (update.added > 0)
      out << "fdconform: new entries are marked unreviewed: give each a reason and a link\n";
  }

  write_closing_summary(document, out);
  if (!record.complete) out << "fdconform: interrupted; the results are partial (complete: false)\n";
  for (const auto& [label, path] : {std::pair{"results", files.json}, {"JUnit", files.junit}, {"HTML report", files.html}})
    if (!path.empty()) out << fmt::format("fdconform: {}: {}\n", label, path);

  if (!record.complete) return 128 + (interrupt_signal() ? interrupt_signal() : SIGINT);
  const auto& s = document["summary"];
  bool failed = s["differ"].get<int>() + s["unexpected-pass"].get<int>() + s["error"].get<int>() > 0;
  bool bad_input = !corpus.diagnostics.empty() || !corpus.path_errors.empty();
  return failed || bad_input || !write_errors.empty() ? 1 : 0;
}

}  // namespace fdconform
