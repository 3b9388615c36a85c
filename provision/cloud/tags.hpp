// Tags (/v2/tags). Creating an existing tag is harmless (the API answers with the existing one), so
// fpctl creates its tags before using them wherever they must already exist (firewalls, tagging).
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

// Returns the tag's canonical name (the capitalisation it was first created with).
tl::expected<std::string, ApiError> create_tag(Client& client, const std::string& name);

} // namespace fp::cloud
