#include "normalize/path_substitution.hpp"

namespace fdconform {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

std::string PathSubstitution::apply(std::string text) const {
  // The probe first: it may live under a directory that contains the workdir's parent, never the reverse.
  replace_all(text, probe, "{probe}");
  auto slash = probe.find_last_of('/');
  if (slash != std::string::npos && slash > 0) replace_all(text, probe.substr(0, slash), "{probe_dir}");
  replace_all(text, workdir, "{workdir}");
  return text;
}

}  // namespace fdconform
