// ASCII case-insensitive comparisons, as HTTP header names and URL schemes need (no locale).
#pragma once

#include <string_view>

namespace fp {

bool equals_ci(std::string_view a, std::string_view b);
bool starts_with_ci(std::string_view text, std::string_view prefix);

} // namespace fp
