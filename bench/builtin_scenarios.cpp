// Finding a scenario by name: the built-ins (YAML compiled into the library from
// templates/scenarios/), else a file: YAML, or a locustfile when it ends in .py.
#include "scenario.hpp"
#include "scenario_detail.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace fp::bench {

std::vector<std::string> builtin_scenario_names() {
  std::vector<std::string> names;
  for (const auto& builtin : detail::builtin_scenario_texts())
    names.emplace_back(builtin.name);
  return names;
}

namespace {

tl::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + path.string() + ": " + std::generic_category().message(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

tl::expected<Scenario, std::string> load_scenario(std::string_view name_or_path) {
  std::vector<std::string_view> names;
  for (const auto& builtin : detail::builtin_scenario_texts()) {
    if (builtin.name == name_or_path) return parse_scenario_yaml(builtin.yaml, "built-in " + std::string(builtin.name));
    names.push_back(builtin.name);
  }
  const std::filesystem::path path(name_or_path);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    std::string message = "no scenario `" + std::string(name_or_path) + "`: it is neither a built-in scenario (" +
                          detail::join_alternatives(names) + ") nor a YAML file";
    std::string hint = detail::did_you_mean(name_or_path, names);
    return tl::unexpected(hint.empty() ? message : message + "; " + hint);
  }
  if (path.extension() == ".py") return import_locustfile(path);
  auto text = read_file(path);
  if (!text) return tl::unexpected(text.error());
  return parse_scenario_yaml(*text, path.string());
}

} // namespace fp::bench
