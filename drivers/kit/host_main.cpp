// fdconform-kit-host -- ADAPTER ARGV...: the driver process of a column whose
// runtime cannot link the kit (runtime_host.hpp). It speaks docs/PROTOCOL.md
// through kit::serve, builds every scenario parent, and runs the adapter
// program in it; the hello's facts come from `ADAPTER ARGV... --hello`, and
// its runtime_owned from one start-up of the adapter in a baseline parent.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapter.hpp"
#include "protocol_io.hpp"
#include "runtime_host.hpp"

namespace {

std::string fact(const kit::Json& facts, const char* key) {
  if (!facts.contains(key) || !facts[key].is_string() || facts[key].get<std::string>().empty())
    throw std::runtime_error(fmt::format("the adapter's --hello has no non-empty string \"{}\"", key));
  return facts[key].get<std::string>();
}

class RuntimeHost final : public kit::SpawnAdapter {
 public:
  RuntimeHost(kit::RuntimeProgram program, kit::Hello hello) : program_(std::move(program)), hello_(std::move(hello)) {}

  kit::Hello hello() const override { return hello_; }

  kit::StartedChild start(const std::string&, const kit::Json&, const kit::SpawnContext&) const override {
    // Every spawn block goes to the adapter program (runtime_program); the kit never calls this.
    throw std::logic_error("the runtime host starts no child in its own process");
  }

  const kit::RuntimeProgram* runtime_program() const override { return &program_; }

 private:
  kit::RuntimeProgram program_;
  kit::Hello hello_;
};

}  // namespace

int main(int argc, char** argv) {
  kit::RuntimeProgram program;
  int at = 1;
  if (at < argc && std::string(argv[at]) == "--") ++at;
  for (; at < argc; ++at) program.argv.emplace_back(argv[at]);
  if (program.argv.empty() || program.argv.front().find('/') == std::string::npos) {
    fmt::print(stderr, "usage: fdconform-kit-host -- /ABSOLUTE/ADAPTER [ARG...]\n"
                       "(the adapter program a runtime column runs in each scenario parent; docs/DRIVERS.md)\n");
    return 2;
  }
  kit::Hello hello;
  try {
    const kit::Json facts = kit::ask_runtime_hello(program);
    hello = kit::Hello{fact(facts, "id"), fact(facts, "name"), fact(facts, "version"), fact(facts, "language"),
                       fact(facts, "detail"), kit::Json::object(), {}, kit::Json()};
    if (facts.contains("features") && facts["features"].is_array())
      for (const auto& feature : facts["features"]) hello.features.push_back(feature.get<std::string>());
    hello.runtime_owned = kit::measure_runtime_owned(program);
  } catch (const std::exception& error) {
    fmt::print(stderr, "fdconform-kit-host: {}\n", error.what());
    return 2;
  }
  return kit::serve(RuntimeHost(std::move(program), std::move(hello)));
}
