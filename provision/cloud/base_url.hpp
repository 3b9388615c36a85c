// The API's base URL: https://api.digitalocean.com by default; tests and rehearsals point it at
// the simulator. Only https:// anywhere, or plain http:// to 127.0.0.1 / [::1] / localhost, is
// accepted: the token travels in a header, and plain HTTP to any other host would show it to
// everyone on the path.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "error.hpp"

namespace fp::cloud {

inline constexpr std::string_view k_default_api_url = "https://api.digitalocean.com";

// Returns the URL without a trailing '/', or a config error saying what is wrong and what to write.
tl::expected<std::string, ApiError> check_base_url(std::string_view url);

// "https://api.digitalocean.com/v2/sizes?page=2" -> "/v2/sizes?page=2" (empty when not a URL).
std::string path_of_url(std::string_view url);

} // namespace fp::cloud
