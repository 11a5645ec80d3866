#include <gtest/gtest.h>

#include "commands/columns.hpp"
#include "drivers/descriptor.hpp"

namespace fdconform {
namespace {

DriverDescriptor column(const std::string& id, const std::string& rank) {
  DriverDescriptor d{id, {"/bin/true"}};
  d.reference_rank = rank;
  return d;
}

// The default reference is chosen by the columns' own ranks; no id is special.
TEST(Descriptors, TheHighestReferenceRankIsTheDefaultReference) {
  EXPECT_EQ(default_reference({column("spawn_core-auto", "0.1"), column("cpython-3.9.18", "1.3.9.18"),
                               column("cpython-3.13.0", "1.3.13.0"), column("cpython-3.11.7", "1.3.11.7")}),
            "cpython-3.13.0");
  EXPECT_EQ(default_reference({column("x-runtime", ""), column("spawn_core-auto", "0.1")}), "spawn_core-auto");
  // A column named like a CPython one but without a rank is never the default.
  EXPECT_EQ(default_reference({column("cpython-9.9.9", ""), column("node-20", "2")}), "node-20");
  EXPECT_EQ(default_reference({column("first", ""), column("second", "")}), "first");
}

TEST(Descriptors, ParsesRankAndFilesAndRefusesWhatItDoesNotKnow) {
  auto d = parse_descriptor(nlohmann::json::parse(
      R"({"id": "node-20", "argv": ["/usr/bin/node", "drv.js"], "reference_rank": "2.1", "files": ["drv.js"]})"));
  EXPECT_EQ(d.reference_rank, "2.1");
  EXPECT_EQ(d.files, std::vector<std::string>{"drv.js"});
  EXPECT_TRUE(d.rerun.empty());  // set by read_descriptor_file to --driver FILE
  auto message_of = [](const char* text) {
    try {
      parse_descriptor(nlohmann::json::parse(text));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message_of(R"({"id": "a", "argv": ["x"], "reference_rank": "high"})").find("dotted number"),
            std::string::npos);
  EXPECT_NE(message_of(R"({"id": "a", "argv": ["x"], "files": [""]})").find("non-empty strings"), std::string::npos);
  EXPECT_NE(message_of(R"({"id": "a", "argv": ["x"], "rerun": []})").find("unknown key 'rerun'"), std::string::npos);
  EXPECT_NE(message_of(R"({"id": "a", "argv": []})").find("non-empty list"), std::string::npos);
}

}  // namespace
}  // namespace fdconform
