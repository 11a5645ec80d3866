#pragma once
// JUnit XML in the Jenkins/Ant shape (reports/junit/junit.xsd): one <testsuite> per implementation,
// one <testcase> per (scenario, implementation) with classname = implementation id, name = scenario id.
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "reports/results.hpp"

namespace reports {

void write_junit(const Results& results, std::ostream& out);
void write_junit(const nlohmann::json& document, std::ostream& out);

}  // namespace reports
