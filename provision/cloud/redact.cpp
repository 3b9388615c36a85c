#include "redact.hpp"

#include <string_view>

namespace fp::cloud {
namespace {

// `"password":"secret"` (any spacing) -> `"password":"***"`; escaped quotes inside are skipped.
void mask_password_fields(std::string& text) {
  static constexpr std::string_view k_key = "\"password\"";
  for (auto at = text.find(k_key); at != std::string::npos; at = text.find(k_key, at + 1)) {
    auto pos = at + k_key.size();
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == ':')) ++pos;
    if (pos >= text.size() || text[pos] != '"') continue;
    auto end = pos + 1;
    while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2u : 1u;
    if (end >= text.size()) break;
    text.replace(pos + 1, end - pos - 1, "***");
  }
}

// `scheme://user:password@` -> `scheme://user:***@`.
void mask_uri_passwords(std::string& text) {
  for (auto at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    const auto start = at + 3;
    const auto end = text.find_first_of("/\" \n@", start);
    if (end == std::string::npos || text[end] != '@') continue;
    const auto colon = text.find(':', start);
    if (colon == std::string::npos || colon > end) continue;
    text.replace(colon + 1, end - colon - 1, "***");
  }
}

} // namespace

std::string redact_for_log(const Token& token, std::string text) {
  text = token.redact(std::move(text));
  mask_password_fields(text);
  mask_uri_passwords(text);
  return text;
}

} // namespace fp::cloud
