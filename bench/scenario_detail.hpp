// Internals shared by the scenario sources (template, YAML, locustfile, built-ins); not part of the
// library's interface.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fp::bench::detail {

// "did you mean `wait_time`?" when `word` is close to one of `candidates`, else "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

// "a, b or c" for messages that list what is allowed.
std::string join_alternatives(std::span<const std::string_view> words);

// The JSON text of a request body whose strings may hold {{...}} placeholders, laid out as Python's
// json.dumps does (", " and ": "), so a locustfile's json= body and its YAML twin send the same bytes.
// Placeholders are copied verbatim (they are rendered, and escaped, later); a string that is exactly
// one {{random_int A B}} becomes a bare JSON number, which is how a generated integer is typed.
std::string json_body_source(const nlohmann::ordered_json& body);

// Whether `text` contains a placeholder opening "{{"; sources that cannot express one refuse such text.
bool has_placeholder(std::string_view text);

// A built-in scenario's YAML, compiled in from templates/scenarios/ (generated file).
struct BuiltinScenarioText {
  std::string_view name;
  std::string_view yaml;
};
std::span<const BuiltinScenarioText> builtin_scenario_texts();

} // namespace fp::bench::detail
