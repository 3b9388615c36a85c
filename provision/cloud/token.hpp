// The API token. It leaves this type only as the value of an Authorization header handed to the
// transport; there is no getter, no stream operator and no conversion, so it cannot be printed,
// logged or written by accident. Redaction helpers let logs prove it is absent.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "error.hpp"

namespace fp::cloud {

class Token {
public:
  Token() = default;
  explicit Token(std::string secret) : m_secret(std::move(secret)) {}

  bool empty() const { return m_secret.empty(); }
  // "Authorization: Bearer <token>": the one way out, for the HTTP transport.
  std::string authorization_header() const { return "Authorization: Bearer " + m_secret; }
  // Replaces every occurrence of the token in `text` with "[REDACTED]".
  std::string redact(std::string text) const;

private:
  std::string m_secret;
};

// Where a token was found, for messages ("token from DIGITALOCEAN_TOKEN"); never the token.
struct FoundToken {
  Token token;
  std::string source;
};

// What token lookup reads, injectable so tests do not depend on the real environment.
struct TokenEnvironment {
  std::function<std::optional<std::string>(const std::string&)> getenv; // empty: the process environment
  std::optional<std::filesystem::path> doctl_config;                     // overrides the default path
};

// Lookup order, first non-empty wins:
//   1. DIGITALOCEAN_TOKEN            (fpctl's own name, as godo's examples and Terraform use it)
//   2. DIGITALOCEAN_ACCESS_TOKEN     (doctl's environment variable)
//   3. doctl's config file: $XDG_CONFIG_HOME/doctl/config.yaml, else ~/.config/doctl/config.yaml;
//      the context is DIGITALOCEAN_CONTEXT, else the file's `context`; "default" (or none) means
//      `access-token`, any other name means `auth-contexts.<name>`.
// A config file that exists but cannot be read or parsed is an error that names the file, not a
// silent fall-through, so a user is never left wondering which token was used.
tl::expected<FoundToken, ApiError> find_token(const TokenEnvironment& environment = {});

// The doctl config path that find_token reads (for messages and tests).
std::filesystem::path doctl_config_path(const TokenEnvironment& environment = {});

} // namespace fp::cloud
