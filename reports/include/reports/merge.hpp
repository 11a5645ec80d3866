#pragma once
// Several results documents combined into one matrix. Documents from one machine (same host, kernel,
// libc and distribution: the shards of `fdconform run --shard I/N`) combine by rows; documents from
// different machines combine by columns, one per (host, implementation). See docs/CLI.md "merge".
#include <vector>

#include <nlohmann/json.hpp>

namespace reports {

// Returns a results document (schema 1 plus "environments" and "merged_from"); members of scenario,
// implementation and cell objects that merge does not know are kept. Throws ResultsError for an empty
// list, a document that is not a results document, shards of one machine with different references,
// and a cell two shards of one machine both ran with a different verdict or observation.
enum class MergeBy {
  machine,  // documents of one machine by rows, different machines by columns
  rows,     // every document by rows, as shards of one machine: CI shards on runners with different host names
};

nlohmann::json merge(const std::vector<nlohmann::json>& documents, MergeBy by = MergeBy::machine);

}  // namespace reports
