#include "token.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace fp::cloud {
namespace {

constexpr std::string_view k_how_to_get_one =
  "create a personal access token at https://cloud.digitalocean.com/account/api/tokens (with write scope) "
  "and export DIGITALOCEAN_TOKEN=<token>, or run `doctl auth init`";

std::optional<std::string> lookup(const TokenEnvironment& environment, const std::string& name) {
  if (environment.getenv) return environment.getenv(name);
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Reads the token for `context` from doctl's YAML; nullopt when the file has none for it.
tl::expected<std::optional<FoundToken>, ApiError> read_doctl_config(const std::filesystem::path& path,
                                                                    const std::optional<std::string>& context_env) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<FoundToken>();
  std::ifstream in(path);
  if (!in)
    return tl::unexpected(make_error(ErrorKind::config, "cannot read doctl's config file " + path.string(),
                                     "check its permissions, or set DIGITALOCEAN_TOKEN"));
  std::stringstream content;
  content << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(content.str());
  } catch (const YAML::Exception& e) {
    return tl::unexpected(make_error(ErrorKind::config,
                                     path.string() + ":" + std::to_string(e.mark.line + 1) +
                                       ": doctl's config file is not valid YAML: " + e.msg,
                                     "fix or remove the file, or set DIGITALOCEAN_TOKEN"));
  }
  if (!root.IsMap()) return std::optional<FoundToken>();
  try {
    std::string context = context_env.value_or("");
    if (context.empty() && root["context"] && root["context"].IsScalar()) context = root["context"].as<std::string>();
    std::string token;
    std::string source;
    if (context.empty() || context == "default") {
      if (root["access-token"] && root["access-token"].IsScalar()) token = root["access-token"].as<std::string>();
      source = path.string() + " (access-token)";
    } else {
      const YAML::Node contexts = root["auth-contexts"];
      if (!contexts || !contexts.IsMap() || !contexts[context])
        return tl::unexpected(make_error(
          ErrorKind::config, "doctl's context '" + context + "' has no token in " + path.string(),
          "run `doctl auth init --context " + context + "`, choose another context, or set DIGITALOCEAN_TOKEN"));
      if (contexts[context].IsScalar()) token = contexts[context].as<std::string>();
      source = path.string() + " (auth-contexts." + context + ")";
    }
    token = trimmed(token);
    if (token.empty()) return std::optional<FoundToken>();
    return std::optional<FoundToken>(FoundToken{Token(std::move(token)), std::move(source)});
  } catch (const YAML::Exception& e) {
    return tl::unexpected(make_error(ErrorKind::config, path.string() + ": unexpected content: " + e.msg,
                                     "fix or remove the file, or set DIGITALOCEAN_TOKEN"));
  }
}

} // namespace

std::string Token::redact(std::string text) const {
  if (m_secret.empty()) return text;
  static constexpr std::string_view k_mask = "[REDACTED]";
  for (auto at = text.find(m_secret); at != std::string::npos; at = text.find(m_secret, at + k_mask.size()))
    text.replace(at, m_secret.size(), k_mask);
  return text;
}

std::filesystem::path doctl_config_path(const TokenEnvironment& environment) {
  if (environment.doctl_config) return *environment.doctl_config;
  const auto xdg = lookup(environment, "XDG_CONFIG_HOME");
  if (xdg && !xdg->empty()) return std::filesystem::path(*xdg) / "doctl" / "config.yaml";
  const auto home = lookup(environment, "HOME");
  return std::filesystem::path(home.value_or("")) / ".config" / "doctl" / "config.yaml";
}

tl::expected<FoundToken, ApiError> find_token(const TokenEnvironment& environment) {
  for (const char* name : {"DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"}) {
    const auto value = lookup(environment, name);
    if (value && !trimmed(*value).empty()) return FoundToken{Token(trimmed(*value)), name};
  }
  const auto path = doctl_config_path(environment);
  auto from_file = read_doctl_config(path, lookup(environment, "DIGITALOCEAN_CONTEXT"));
  if (!from_file) return tl::unexpected(from_file.error());
  if (*from_file) return std::move(**from_file);
  return tl::unexpected(make_error(ErrorKind::config,
                                   "no DigitalOcean API token: DIGITALOCEAN_TOKEN and DIGITALOCEAN_ACCESS_TOKEN are "
                                   "unset and " + path.string() + " has none",
                                   std::string(k_how_to_get_one)));
}

} // namespace fp::cloud
