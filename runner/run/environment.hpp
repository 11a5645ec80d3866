#pragma once
// The "environment" and "fdconform" blocks of the results document: what machine ran this.
#include <nlohmann/json.hpp>
#include <string>

namespace fdconform {

nlohmann::json describe_environment();
nlohmann::json describe_fdconform(const std::string& source_dir);

}  // namespace fdconform
