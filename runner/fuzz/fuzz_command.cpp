// `fdconform fuzz`: generate cases, run them through the pipeline `run` uses, reduce what differs.
#include "fuzz/fuzz_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <thread>

#include "commands/columns.hpp"
#include "expectations/expectation_files.hpp"
#include "fuzz/case_runner.hpp"
#include "fuzz/generator.hpp"
#include "fuzz/reducer.hpp"
#include "fuzz/worker_pool.hpp"
#include "run/command_process.hpp"
#include "run/interrupt.hpp"
#include "run/utf8_text.hpp"
#include "session/installation.hpp"

namespace fdconform {
namespace {

using Clock = std::chrono::steady_clock;
using fuzz::CaseHeader;
using fuzz::CaseNode;
using fuzz::CaseSignature;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string quoted_arguments(const std::string& flag, const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += fmt::format(" {} '{}'", flag, v);
  return out;
}

// The column choice the search ran with, as command-line arguments both commands accept.
std::string column_arguments(const FuzzOptions& options, const std::vector<std::string>& impls,
                             const std::string& reference) {
  return quoted_arguments("--impl", impls) + fmt::format(" --reference '{}'", reference) +
         quoted_arguments("--driver", options.driver_files) + quoted_arguments("--with", options.offered);
}

struct FoundDifference {
  std::uint64_t case_number = 0;
  CaseSignature signature;  // the first case's, which the reduction keeps
  CaseSignature cause;      // what later cases are counted by (fuzz::signature_cause)
  std::set<std::string> signatures;  // every exact signature seen with this cause
  std::map<std::string, std::string> reasons;
  std::size_t occurrences = 1;
  double reduction_seconds = 0;
  std::size_t original_lines = 0;
  std::size_t reduced_lines = 0;
  std::size_t reduction_steps = 0;
  std::size_t candidates_tried = 0;
  bool reproduced = false;  // the original case showed the same signature when run again
  bool confirmed = false;   // the written scenario, run again, showed it too
  std::string file;
};

// A signature on one terminal line: a spawn that fails on one side only differs in some 25 fields.
std::string brief(const CaseSignature& signature) {
  constexpr std::size_t shown = 4;
  std::vector<std::string> parts;
  for (const auto& [column, fields] : signature) {
    std::vector<std::string> first(fields.begin(), std::next(fields.begin(), static_cast<std::ptrdiff_t>(
                                                                               std::min(shown, fields.size()))));
    if (fields.contains("outcome") && fields.size() > shown) first = {"outcome"};
    parts.push_back(fmt::format("{}: {}{}", column, fmt::join(first, ", "),
                                fields.size() > first.size() ? fmt::format(" and {} more fields", fields.size() - first.size())
                                                             : ""));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

class Progress {
 public:
  explicit Progress(std::ostream& err) : err_(err) {}
  void maybe(const std::string& line, bool now = false) {
    if (!now && seconds_since(last_) < 2) return;
    last_ = Clock::now();
    err_ << "fdconform fuzz: " << line << '\n' << std::flush;
  }

 private:
  std::ostream& err_;
  Clock::time_point last_ = Clock::now();
};

}  // namespace

int fuzz_command(const FuzzOptions& options, std::ostream& out, std::ostream& err) {
  CommandProcess process;

  if (options.cases > 0 && options.budget_seconds > 0) {
    err << "fdconform: fuzz: give --cases or --budget, not both\n";
    return 2;
  }
  const std::uint64_t case_count =
      options.cases > 0 ? options.cases : options.budget_seconds > 0 ? UINT64_MAX : default_fuzz_cases;
  const std::uint64_t case_limit =
      case_count > UINT64_MAX - options.first_case ? UINT64_MAX : options.first_case + case_count;
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec || !std::filesystem::is_directory(options.out_dir)) {
    err << fmt::format("fdconform: fuzz: --out {}: {}\n", valid_utf8(options.out_dir),
                       ec ? ec.message() : "not a directory");
    return 2;
  }

  Installation installation = find_installation();
  ExpectationSet expectations;
  if (!options.no_expectations) {
    std::string dir = options.expectations_dir.empty() ? installation.data_dir + "/expectations" : options.expectations_dir;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      if (!options.expectations_dir.empty()) {
        err << fmt::format("fdconform: fuzz: --expectations {}: not a directory\n", valid_utf8(dir));
        return 2;
      }
      err << fmt::format("fdconform: fuzz: no expectation files: {} is not a directory\n", valid_utf8(dir));
    }
    expectations = load_expectation_directory(dir);
    if (!expectations.diagnostics.empty()) {
      for (const auto& d : expectations.diagnostics) err << d.to_string() << '\n';
      err << "fdconform: the expectation files have errors; fix them or pass --no-expectations\n";
      return 2;
    }
  }

  RunOptions selection;
  selection.impls = options.impls;
  selection.reference = options.reference;
  selection.driver_files = options.driver_files;
  selection.offered = options.offered;
  std::vector<Column> columns;
  std::vector<std::unique_ptr<DriverSession>> warm;
  std::size_t reference = 0;
  try {
    ColumnChoice choice = choose_columns(selection, installation);
    for (const auto& notice : choice.notices) err << "fdconform: note: " << valid_utf8(notice) << '\n';
    columns = start_columns(choice.descriptors, interrupt_fd(), warm);
    reference = reference_column(columns, choice.reference_id);
  } catch (const std::exception& e) {
    err << "fdconform: " << valid_utf8(e.what()) << '\n';
    return 2;
  }
  std::vector<std::string> column_ids;
  for (const auto& c : columns) {
    if (!c.available) err << "fdconform: " << c.unavailable << '\n';
    if (&c != &columns[reference]) column_ids.push_back(c.descriptor.id);
  }
  if (columns.size() < 2) {
    err << "fdconform: fuzz: only the reference " << columns[reference].descriptor.id
        << " was chosen: name at least one other column with --impl\n";
    return 2;
  }
  const std::string& reference_id = columns[reference].descriptor.id;
  out << fmt::format("fdconform fuzz: seed {}, {} against {}\n", options.seed, fmt::join(column_ids, ", "), reference_id)
      << std::flush;

  std::optional<RunDirectory> run_dir(std::in_place);
  if (!run_dir->ok()) {
    err << "fdconform: " << valid_utf8(run_dir->error()) << '\n';
    return 2;
  }
  process.watch(*run_dir, err);

  CellSettings settings;
  settings.probe = installation.probe;
  settings.default_timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  settings.host = HostFacts::current();
  settings.interrupt_fd = interrupt_fd();
  // Before the sessions: the pool's threads end after them (see worker_pool.hpp). Two workers per core
  // by default: a cell hands the CPU from runner to driver to scenario parent to probe and back, and a
  // second worker fills those gaps (bench/fuzz_throughput: 26 % more cases per second than one per core
  // on two cores).
  fuzz::WorkerPool pool(static_cast<std::size_t>(
      options.jobs > 0 ? options.jobs : 2 * std::max(1u, std::thread::hardware_concurrency())));
  const std::size_t slots = pool.slots();
  // Optional so its driver sessions end before the leftover processes are reaped below.
  std::optional<fuzz::CaseRunner> runner(std::in_place, columns, reference, settings, *run_dir,
                                         fuzz::explained_fields(expectations, columns, reference), slots,
                                         std::move(warm));

  const std::string search_command =
      fmt::format("fdconform fuzz --seed {}{}", options.seed, column_arguments(options, options.impls, reference_id));
  // Case K of a seed is the same whatever ran before it, so one case is found again alone.
  auto case_alone = [&](std::uint64_t case_number) {
    return fmt::format("{} --first-case {} --cases 1", search_command, case_number);
  };
  auto header_for = [&](std::uint64_t case_number, const CaseNode& body) {
    CaseHeader header;
    header.id = fuzz::case_id(options.seed, case_number);
    header.title = fmt::format("Case {} generated by fdconform fuzz from seed {}", case_number, options.seed);
    header.description = fmt::format("Generated by `{}`.", case_alone(case_number));
    header.covers = fuzz::covered_items(body);
    header.source = fmt::format("fdconform fuzz --seed {}, case {}", options.seed, case_number);
    header.tags = {"fuzz"};
    return header;
  };

  const auto started = Clock::now();
  double running_seconds = 0;  // generated cases only, reductions left out: the figure cases/s is of
  std::uint64_t cases_run = 0, rejected = 0, reference_failed = 0;
  std::vector<std::string> rejections;
  std::vector<std::string> reference_problems;  // the first few, for the summary
  std::vector<FoundDifference> found;
  Progress progress(err);
  auto budget_left = [&] { return options.budget_seconds <= 0 || seconds_since(started) < options.budget_seconds; };
  auto status_line = [&] {
    std::size_t occurrences = 0;
    for (const auto& f : found) occurrences += f.occurrences;
    return fmt::format("{} cases ({:.1f}/s), {} rejected, {} differences ({} cases)", cases_run,
                       running_seconds > 0 ? static_cast<double>(cases_run) / running_seconds : 0.0, rejected,
                       found.size(), occurrences);
  };

  const std::uint64_t batch_size = slots * 8;
  std::uint64_t next_case = options.first_case;
  while (next_case < case_limit && budget_left() && !interrupt_requested()) {
    const std::uint64_t count = std::min<std::uint64_t>(batch_size, case_limit - next_case);
    std::vector<CaseNode> bodies;
    std::vector<std::string> texts;
    for (std::uint64_t i = 0; i < count; ++i) {
      bodies.push_back(fuzz::generate_case(options.seed, next_case + i));
      texts.push_back(fuzz::scenario_text(header_for(next_case + i, bodies.back()), bodies.back()));
    }
    std::vector<fuzz::CaseOutcome> outcomes(count);
    std::atomic<std::uint64_t> taken{0};
    auto work = [&](std::size_t slot) {
      for (std::uint64_t i; (i = taken.fetch_add(1)) < count && !interrupt_requested();)
        outcomes[i] = runner->run(fuzz::case_id(options.seed, next_case + i), texts[i], {}, slot);
    };
    const auto batch_started = Clock::now();
    pool.run_on_every_slot(work);
    running_seconds += seconds_since(batch_started);
    if (interrupt_requested()) break;

    // In case order, so what is found and reduced first does not depend on which thread was faster.
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t case_number = next_case + i;
      const auto& outcome = outcomes[i];
      ++cases_run;
      if (!outcome.valid) {
        ++rejected;
        if (rejections.size() < 20) rejections.push_back(outcome.invalid_reason);
        err << "fdconform fuzz: the validator refused a generated case (a generator bug): "
            << valid_utf8(outcome.invalid_reason) << '\n';
        continue;
      }
      if (!outcome.reference_ran) {
        ++reference_failed;
        if (reference_problems.size() < 20) reference_problems.push_back(outcome.reference_problem);
        continue;
      }
      if (outcome.signature.empty()) continue;
      // Counted by cause: the same fields differing in the same columns, whatever the case's resources
      // and spawn names make of them, is reported once.
      const CaseSignature cause = fuzz::signature_cause(outcome.signature);
      auto same = std::find_if(found.begin(), found.end(), [&](const FoundDifference& f) { return f.cause == cause; });
      if (same != found.end()) {
        ++same->occurrences;
        same->signatures.insert(fuzz::describe(outcome.signature));
        continue;
      }
      FoundDifference difference;
      difference.case_number = case_number;
      difference.signature = outcome.signature;
      difference.cause = cause;
      difference.signatures.insert(fuzz::describe(outcome.signature));
      difference.reasons = outcome.reasons;
      difference.original_lines = fuzz::line_count(texts[i]);
      progress.maybe(fmt::format("{}; case {} differs: {}", status_line(), case_number, brief(outcome.signature)),
                     true);

      std::vector<std::size_t> involved{reference};
      for (std::size_t c = 0; c < columns.size(); ++c)
        if (outcome.signature.contains(columns[c].descriptor.id)) involved.push_back(c);
      const std::string id = fuzz::case_id(options.seed, case_number);
      auto signature_of = [&](const CaseNode& body) {
        auto rerun = runner->run(id, fuzz::scenario_text(header_for(case_number, body), body), involved, 0);
        return rerun.valid && rerun.reference_ran ? std::optional(rerun.signature) : std::nullopt;
      };
      difference.reproduced = signature_of(bodies[i]) == outcome.signature;
      CaseNode reduced = bodies[i];
      const auto reduction_started = Clock::now();
      if (options.reduce && difference.reproduced) {
        fuzz::Reduction reduction = fuzz::reduce(
            bodies[i],
            [&](const CaseNode& candidate) {
              // Past the budget the reduction stops where it is: every candidate is refused.
              return budget_left() && !interrupt_requested() && signature_of(candidate) == outcome.signature;
            },
            [&](const fuzz::Reduction& step) {
              progress.maybe(fmt::format("{}; reducing case {}: {} steps, {} lines", status_line(), case_number,
                                         step.accepted, fuzz::line_count(fuzz::body_text(step.reduced))));
            });
        reduced = reduction.reduced;
        difference.reduction_steps = reduction.accepted;
        difference.candidates_tried = reduction.tried;
      }
      difference.reduction_seconds = seconds_since(reduction_started);
      difference.confirmed = signature_of(reduced) == outcome.signature;

      CaseHeader header = header_for(case_number, reduced);
      std::vector<std::string> differing;
      for (const auto& [column, fields] : outcome.signature) differing.push_back(column);
      header.title = fmt::format("Found by fdconform fuzz: {} differ{} from {}", fmt::join(differing, ", "),
                                 differing.size() == 1 ? "s" : "", reference_id);
      const std::string file = (std::filesystem::path(options.out_dir) / (id + ".yaml")).string();
      header.description = fmt::format(
          "Found by `fdconform fuzz` (seed {}, case {}) and reduced from {} to {} lines{}. It shows the difference "
          "signature {}. Search again: `{}`. Run this file: `fdconform run {}{}`.",
          options.seed, case_number, difference.original_lines,
          fuzz::line_count(fuzz::scenario_text(header_for(case_number, reduced), reduced)),
          difference.reproduced ? "" : " (not reduced: the case did not show the same difference when run again)",
          fuzz::describe(outcome.signature), case_alone(case_number), file,
          column_arguments(options, differing, reference_id));
      const std::string text = fuzz::scenario_text(header, reduced);
      difference.reduced_lines = fuzz::line_count(text);
      std::ofstream stream(file, std::ios::trunc);
      stream << text;
      if (!stream.flush()) {
        err << fmt::format("fdconform: fuzz: cannot write {}: {}\n", valid_utf8(file), std::strerror(errno));
        return 2;
      }
      difference.file = file;
      out << fmt::format("fdconform fuzz: case {} ({}): {}; reduced from {} to {} lines in {} steps: {}\n", case_number,
                         brief(outcome.signature), difference.confirmed ? "confirmed" : "NOT confirmed",
                         difference.original_lines, difference.reduced_lines, difference.reduction_steps, file)
          << std::flush;
      found.push_back(std::move(difference));
    }
    next_case += count;
    progress.maybe(status_line());
  }
  progress.maybe(status_line(), true);

  nlohmann::json summary = {
      {"seed", options.seed},
      {"first_case", options.first_case},
      {"command", search_command +
                      (options.first_case > 0 ? fmt::format(" --first-case {}", options.first_case) : "") +
                      (options.cases > 0 ? fmt::format(" --cases {}", options.cases)
                                   : options.budget_seconds > 0 ? fmt::format(" --budget {}", options.budget_seconds)
                                                                : "")},
      {"reference", reference_id},
      {"columns", column_ids},
      {"cases", cases_run},
      {"rejected", rejected},
      {"rejections", rejections},
      {"reference_without_observation", reference_failed},
      {"reference_problems", reference_problems},
      {"seconds", seconds_since(started)},
      {"running_seconds", running_seconds},
      {"cases_per_second", running_seconds > 0 ? static_cast<double>(cases_run) / running_seconds : 0.0},
      {"interrupted", interrupt_requested()},
      {"differences", nlohmann::json::array()}};
  for (const auto& f : found) {
    nlohmann::json signature = nlohmann::json::object(), cause = nlohmann::json::object();
    for (const auto& [column, fields] : f.signature) signature[column] = fields;
    for (const auto& [column, fields] : f.cause) cause[column] = fields;
    summary["differences"].push_back({{"case", f.case_number},
                                      {"signature", signature},
                                      {"cause", cause},
                                      {"signatures", f.signatures},
                                      {"reasons", f.reasons},
                                      {"occurrences", f.occurrences},
                                      {"original_lines", f.original_lines},
                                      {"reduced_lines", f.reduced_lines},
                                      {"reduction_steps", f.reduction_steps},
                                      {"candidates_tried", f.candidates_tried},
                                      {"reduction_seconds", f.reduction_seconds},
                                      {"reproduced", f.reproduced},
                                      {"confirmed", f.confirmed},
                                      {"file", f.file}});
  }
  const std::string summary_file = (std::filesystem::path(options.out_dir) / "summary.json").string();
  std::ofstream stream(summary_file, std::ios::trunc);
  stream << summary.dump(2) << '\n';
  if (!stream.flush()) {
    err << fmt::format("fdconform: fuzz: cannot write {}: {}\n", valid_utf8(summary_file), std::strerror(errno));
    return 2;
  }
  out << fmt::format("fdconform fuzz: {}; summary: {}\n", status_line(), summary_file);

  runner.reset();
  out.flush();
  err.flush();
  process.finish(run_dir, err);
  if (interrupt_requested()) return 128 + interrupt_signal();
  return found.empty() && rejected == 0 ? 0 : 1;
}

}  // namespace fdconform
