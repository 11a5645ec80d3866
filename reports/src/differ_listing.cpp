#include "reports/differ_listing.hpp"

#include <ostream>

#include "reports/mismatch_text.hpp"
#include "reports/results.hpp"

namespace reports {

void write_differ_listing(const Results& results, std::ostream& out) {
  for (const auto& cell : results.cells) {
    if (!counts_as_failed(cell.verdict)) continue;
    out << verdict_name(cell.verdict) << "  " << single_line(cell.scenario) << "  " << single_line(cell.implementation)
        << "\n";
    for (const auto& line : failure_lines(cell)) out << "    " << single_line(line) << "\n";
  }
}

void write_differ_listing(const nlohmann::json& document, std::ostream& out) {
  write_differ_listing(parse_results(document), out);
}

}  // namespace reports
