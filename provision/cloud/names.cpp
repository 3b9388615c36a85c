#include "names.hpp"

#include <string>

namespace fp::cloud {
namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

tl::expected<void, ApiError> refuse(std::string_view what, std::string_view name, std::string_view rule) {
  return tl::unexpected(make_error(ErrorKind::config,
                                   std::string(what) + " name '" + std::string(name) + "' is not allowed: " +
                                     std::string(rule)));
}

} // namespace

tl::expected<void, ApiError> check_droplet_name(std::string_view name) {
  constexpr std::string_view rule =
    "use 1-255 letters, digits, '.' and '-', starting and ending with a letter or digit (no '_' or spaces)";
  if (name.empty() || name.size() > 255) return refuse("droplet", name, rule);
  for (const char c : name)
    if (!alnum(c) && c != '.' && c != '-') return refuse("droplet", name, rule);
  if (!alnum(name.back()) || name.front() == '.' || name.front() == '-') return refuse("droplet", name, rule);
  return {};
}

tl::expected<void, ApiError> check_database_name(std::string_view name) {
  constexpr std::string_view rule =
    "use 3-63 lowercase letters, digits and '-', starting with a letter and not ending with '-' (no '_')";
  if (name.size() < 3 || name.size() > 63) return refuse("database cluster", name, rule);
  if (!(name.front() >= 'a' && name.front() <= 'z') || name.back() == '-') return refuse("database cluster", name, rule);
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return refuse("database cluster", name, rule);
  return {};
}

tl::expected<void, ApiError> check_firewall_name(std::string_view name) {
  constexpr std::string_view rule = "use 2-255 letters, digits, '.' and '-', starting with a letter or digit";
  if (name.size() < 2 || name.size() > 255 || !alnum(name.front())) return refuse("firewall", name, rule);
  for (const char c : name)
    if (!alnum(c) && c != '.' && c != '-') return refuse("firewall", name, rule);
  return {};
}

tl::expected<void, ApiError> check_vpc_name(std::string_view name) {
  constexpr std::string_view rule = "use 1-255 letters, digits, '.' and '-'";
  if (name.empty() || name.size() > 255) return refuse("VPC", name, rule);
  for (const char c : name)
    if (!alnum(c) && c != '.' && c != '-') return refuse("VPC", name, rule);
  return {};
}

tl::expected<void, ApiError> check_tag_name(std::string_view name) {
  constexpr std::string_view rule = "use 1-255 letters, digits, '_', '-' and ':'";
  if (name.empty() || name.size() > 255) return refuse("tag", name, rule);
  for (const char c : name)
    if (!alnum(c) && c != '_' && c != '-' && c != ':') return refuse("tag", name, rule);
  return {};
}

} // namespace fp::cloud
