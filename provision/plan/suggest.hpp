// Helpers for messages that name the valid choices: "did you mean 'count'?" and "a, b or c".
// Used by the config parser and by the pricing checks.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fp::plan {

// The closest of `candidates` to `word` when it is at most 2 edits away (or a case-only
// difference), else "".
std::string closest(std::string_view word, std::span<const std::string> candidates);
std::string closest(std::string_view word, std::span<const std::string_view> candidates);

// "a, b or c".
std::string join_alternatives(std::span<const std::string> words, std::string_view last = " or ");

} // namespace fp::plan
