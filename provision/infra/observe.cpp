#include "infra/observe.hpp"

#include "cloud/parallel.hpp"

#include <algorithm>

namespace fp::infra {

bool is_project_firewall(const std::string& project, const cloud::Firewall& firewall) {
  // Named like one of ours, and aimed only at the project's role tags: a firewall someone else
  // named "<project>-lb" for other droplets is not ours to change or delete.
  bool named = false;
  for (const Role role : {Role::lb, Role::worker, Role::db})
    named = named || firewall.spec.name == project + "-" + std::string(to_string(role));
  if (!named) return false;
  const std::string prefix = project_tag(project) + "-";
  return std::all_of(firewall.spec.tags.begin(), firewall.spec.tags.end(),
                     [&](const std::string& tag) { return tag.rfind(prefix, 0) == 0; }) &&
         firewall.spec.droplet_ids.empty();
}

tl::expected<Observed, cloud::ApiError> observe(cloud::Client& client, const std::string& project,
                                                const std::string& fingerprint) {
  const std::string tag = project_tag(project);
  Observed observed;
  tl::expected<void, cloud::ApiError> failures[5];
  cloud::parallel_for(5, client.parallelism(), [&](std::size_t i) {
    switch (i) {
    case 0:
      if (auto droplets = cloud::list_droplets_by_tag(client, tag)) observed.droplets = std::move(*droplets);
      else failures[i] = tl::unexpected(droplets.error());
      break;
    case 1:
      if (auto databases = cloud::list_databases_by_tag(client, tag)) observed.databases = std::move(*databases);
      else failures[i] = tl::unexpected(databases.error());
      break;
    case 2:
      if (auto firewalls = cloud::list_firewalls(client)) {
        for (auto& firewall : *firewalls)
          if (is_project_firewall(project, firewall)) observed.firewalls.push_back(std::move(firewall));
      } else {
        failures[i] = tl::unexpected(firewalls.error());
      }
      break;
    case 3:
      if (auto vpc = cloud::find_vpc(client, project + "-vpc")) observed.vpc = std::move(*vpc);
      else failures[i] = tl::unexpected(vpc.error());
      break;
    case 4:
      if (!fingerprint.empty()) {
        if (auto key = cloud::get_ssh_key(client, fingerprint)) observed.ssh_key = std::move(*key);
        else failures[i] = tl::unexpected(key.error());
      } else if (auto keys = cloud::list_ssh_keys(client)) {
        for (auto& key : *keys)
          if (key.name == "fpctl-" + project) observed.ssh_key = std::move(key);
      } else {
        failures[i] = tl::unexpected(keys.error());
      }
      break;
    }
  });
  for (auto& failure : failures)
    if (!failure) return tl::unexpected(failure.error());
  return observed;
}

} // namespace fp::infra
