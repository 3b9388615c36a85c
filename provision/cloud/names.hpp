// Names checked locally with the API's own patterns before any request, so a typo is a clear
// message naming the rule instead of a 422 after half the resources exist.
#pragma once

#include <string_view>

#include <tl/expected.hpp>

#include "error.hpp"

namespace fp::cloud {

// Droplet names become hostnames: letters, digits, '.' and '-', not starting or ending with '.'/'-'.
tl::expected<void, ApiError> check_droplet_name(std::string_view name);
// Database cluster names: lowercase letters, digits and '-', starting with a letter, 3-63 characters
// (the control panel's rule; the spec states none, and the API answers 422 for '_').
tl::expected<void, ApiError> check_database_name(std::string_view name);
// Firewall names: letters, digits, '.' and '-', starting with a letter or digit, 2-255 characters.
tl::expected<void, ApiError> check_firewall_name(std::string_view name);
// VPC names: letters, digits, '.' and '-', 1-255 characters.
tl::expected<void, ApiError> check_vpc_name(std::string_view name);
// Tags: letters, digits, '_', '-' and ':', 1-255 characters.
tl::expected<void, ApiError> check_tag_name(std::string_view name);

} // namespace fp::cloud
