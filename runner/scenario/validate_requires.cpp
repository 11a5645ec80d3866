// The `requires:` section: when a scenario applies at all.
#include <fmt/format.h>

#include "feature_names.hpp"  // generated from docs/FEATURES.md (runner/CMakeLists.txt)

#include "scenario/validation_context.hpp"

namespace fdconform {

nlohmann::json validate_requires(ValidationContext& ctx, const YAML::Node* node, Requirements& out) {
  nlohmann::json json = {{"root", false}, {"non_root", false}, {"kernel", nullptr}, {"python", nullptr},
                         {"features", nlohmann::json::array()}};
  if (!node || YamlChecker::is_null(*node)) return json;
  auto& check = ctx.check;
  auto view = check.map(*node, "requires", {"root", "non_root", "kernel", "python", "features"});
  if (!view) return json;
  if (auto r = view->find("root")) out.root = check.boolean(*r, "requires.root").value_or(false);
  if (auto r = view->find("non_root")) out.non_root = check.boolean(*r, "requires.non_root").value_or(false);
  if (out.root && out.non_root)
    check.error(*view->find("non_root"), "requires: root and non_root cannot both be true: expected at most one");
  if (auto k = view->find("kernel")) {
    if (auto v = check.string(*k, "requires.kernel")) {
      if (is_dotted_version(*v)) out.kernel = *v;
      else check.error(*k, fmt::format("requires.kernel: expected a kernel version such as \"5.9\", got '{}'", shown(*v)));
    }
  }
  if (auto p = view->find("python")) {
    if (auto v = check.string(*p, "requires.python")) {
      std::string problem;
      if (auto gate = parse_version_gate(*v, problem)) out.python = *gate;
      else check.error(*p, "requires.python: " + problem);
    }
  }
  if (auto f = view->find("features"); f && !YamlChecker::is_null(*f)) {
    if (auto items = check.sequence(*f, "requires.features"))
      for (std::size_t i = 0; i < items->size(); ++i)
        if (auto name = check.choice((*items)[i], fmt::format("requires.features[{}]", i),
                                     feature_names))
          out.features.push_back(*name);
  }
  json["root"] = out.root;
  json["non_root"] = out.non_root;
  if (out.kernel) json["kernel"] = *out.kernel;
  if (out.python) json["python"] = out.python->text;
  json["features"] = out.features;
  return json;
}

}  // namespace fdconform
