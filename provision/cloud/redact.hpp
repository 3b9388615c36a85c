// What the verbose log must not show: the API token (anywhere: URL, headers, bodies) and the
// database credentials the API returns (`password` fields, `user:password@` in URIs).
#pragma once

#include <string>

#include "token.hpp"

namespace fp::cloud {

// The token replaced by "[REDACTED]", then `"password":"..."` values and the password part of
// `scheme://user:password@host` replaced by "***".
std::string redact_for_log(const Token& token, std::string text);

} // namespace fp::cloud
