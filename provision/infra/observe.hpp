// Reads what the account holds for a project: droplets and clusters by the project's tag,
// firewalls by the project's names, the VPC by name, the SSH key by fingerprint. The listings run
// side by side. This, not the state file, is what `up` and `teardown` act on.
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "cloud/client.hpp"
#include "infra/changes.hpp"

namespace fp::infra {

// The names fpctl gives a project's firewalls (one per role).
bool is_project_firewall(const std::string& project, const cloud::Firewall& firewall);

// `fingerprint` may be empty (teardown: the key is then found by name).
tl::expected<Observed, cloud::ApiError> observe(cloud::Client& client, const std::string& project,
                                                const std::string& fingerprint);

} // namespace fp::infra
