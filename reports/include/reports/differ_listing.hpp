#pragma once
// The terminal listing printed after a run, before the summary line: one block per failing scenario, with
// the columns that failed the same way on one line, each differing field once ("reference: X / this
// column: Y" against the reference, "expected: X / observed: Y" for the scenario's own `expect`), the
// scenario's file:line, and a command that runs just that scenario on just those columns again. Scenario
// files that did not load are listed too, since each one fails the run.
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/results.hpp"

namespace reports {

struct ListingStyle {
  bool colour = false;  // ANSI colours (a terminal that wants them: see colour_wanted)
};

// True when `out` is a terminal (reports::is_terminal) and NO_COLOR is not set to a non-empty value
// (https://no-color.org): never colour in a file, a pipe or a CI log.
bool colour_wanted(std::ostream& out);

// `fdconform run <file> [--with PATH]... --reference REF --impl ID...`, shell-quoted: reruns one
// scenario on the given columns against the same reference. Columns of a merged document are given from
// one host at a time: the command is the one to type on that host (ids without the host, the reference
// only when it ran there).
std::string rerun_command(const Results& results, const Scenario& scenario, const std::vector<std::string>& impl_ids);
// The host a merged document's column ran on (its id is "<host>/<id>"); empty for a single machine's column.
std::string merged_host(const Implementation& impl);

void write_differ_listing(const Results& results, std::ostream& out, const ListingStyle& style);
// Colour as colour_wanted(out) says.
void write_differ_listing(const Results& results, std::ostream& out);
void write_differ_listing(const nlohmann::json& document, std::ostream& out);

}  // namespace reports
