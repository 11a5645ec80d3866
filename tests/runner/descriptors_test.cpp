#include <gtest/gtest.h>

#include "commands/columns.hpp"
#include "session/descriptor.hpp"

namespace fdconform {
namespace {

DriverDescriptor column(const std::string& id, const std::string& rank) {
  DriverDescriptor d{id, {"/bin/true"}};
  d.reference_rank = rank;
  return d;
}

std::string reference_among(const std::vector<DriverDescriptor>& columns) {
  std::vector<const DriverDescriptor*> pointers;
  for (const auto& d : columns) pointers.push_back(&d);
  return default_reference(pointers);
}

// The default reference is chosen by the columns' own ranks; no id is special.
TEST(Descriptors, TheHighestReferenceRankIsTheDefaultReference) {
  EXPECT_EQ(reference_among({column("lib-auto", "0.1"), column("interp-3.9.18", "1.3.9.18"),
                             column("interp-3.13.0", "1.3.13.0"), column("interp-3.11.7", "1.3.11.7")}),
            "interp-3.13.0");
  EXPECT_EQ(reference_among({column("x-runtime", ""), column("lib-auto", "0.1")}), "lib-auto");
  // A column named like a ranked one but without a rank is never the default.
  EXPECT_EQ(reference_among({column("interp-9.9.9", ""), column("node-20", "2")}), "node-20");
  EXPECT_EQ(reference_among({column("first", ""), column("second", "")}), "first");
  // A column that cannot run here is never the reference, whatever its rank.
  auto gone = column("interp-9.0.0", "9");
  gone.unavailable = "no interpreter";
  EXPECT_EQ(reference_among({gone, column("lib-auto", "0.1")}), "lib-auto");
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
  EXPECT_NE(message_of(R"({"id": "a", "argv": ["x"], "default": "yes"})").find("true or false"), std::string::npos);
  EXPECT_TRUE(parse_descriptor(nlohmann::json::parse(R"({"id": "a", "argv": ["x"], "default": true})")).default_column);
}

}  // namespace
}  // namespace fdconform
