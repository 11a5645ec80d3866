#pragma once
// The compact terminal listing of every failing cell: scenario, implementation, and for each
// differing field both values, printed before the summary line.
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "reports/results.hpp"

namespace reports {

void write_differ_listing(const Results& results, std::ostream& out);
void write_differ_listing(const nlohmann::json& document, std::ostream& out);

}  // namespace reports
