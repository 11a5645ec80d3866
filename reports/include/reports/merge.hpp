#pragma once
// Several results documents (other hosts, kernels, libcs) combined into one matrix with one column
// per (host, implementation). See docs/REPORTS.md "Merging".
#include <vector>

#include <nlohmann/json.hpp>

namespace reports {

// Returns a results document (schema 1 plus "environments" and "merged_from"). Throws ResultsError
// for an empty list or a document that is not a results document.
nlohmann::json merge(const std::vector<nlohmann::json>& documents);

}  // namespace reports
