// Test helper: renders a results JSON file as the HTML report (and optionally JUnit), so the browser
// test and manual checks can make a report without running the suite. The real CLI is `fdconform report`.
#include <fstream>
#include <iostream>

#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/results.hpp"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: reports_render RESULTS.json REPORT.html [JUNIT.xml]\n";
    return 2;
  }
  try {
    std::ifstream in(argv[1]);
    if (!in) {
      std::cerr << "reports_render: cannot open " << argv[1] << "\n";
      return 1;
    }
    nlohmann::json document = nlohmann::json::parse(in);
    std::ofstream html(argv[2], std::ios::binary | std::ios::trunc);
    reports::write_html(document, html);
    if (argc == 4) {
      std::ofstream junit(argv[3], std::ios::binary | std::ios::trunc);
      reports::write_junit(document, junit);
    }
  } catch (const std::exception& error) {
    std::cerr << "reports_render: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
