#include "infra/apply.hpp"

#include "cloud/databases.hpp"
#include "cloud/droplets.hpp"
#include "cloud/firewalls.hpp"
#include "cloud/ssh_keys.hpp"
#include "cloud/tags.hpp"
#include "cloud/vpcs.hpp"
#include "infra/observe.hpp"
#include "infra/records.hpp"

#include <algorithm>
#include <map>
#include <thread>

namespace fp::infra {
namespace {

constexpr std::size_t k_names_per_create = 10; // the API's limit for one multi-create

std::string failed(const std::string& what, const cloud::ApiError& error) { return what + ": " + error.describe(); }

class Applier {
public:
  Applier(Session& session, const Desired& desired, const SshIdentity& identity)
    : m_s(session), m_desired(desired), m_identity(identity) {}

  tl::expected<void, std::string> run(const ChangeSet& set) {
    if (auto tags = ensure_tags(); !tags) return tags;
    if (auto key = ensure_key(); !key) return key;
    if (auto vpc = ensure_vpc(); !vpc) return vpc;
    // Replaced droplets go first: names are not unique, and a second droplet of the same name
    // would make the next run see a duplicate.
    for (const auto& change : set.changes)
      if (change.action == Action::replace)
        if (auto gone = delete_droplet(change, "replaced"); !gone) return gone;
    if (auto made = create_droplets(set); !made) return made;
    if (auto made = create_database(set); !made) return made;
    if (auto ready = wait_droplets(); !ready) return ready;
    if (auto ready = finish_database(); !ready) return ready;
    if (auto walls = apply_firewalls(set); !walls) return walls;
    for (const auto& change : set.changes) {
      if (change.action != Action::remove) continue;
      tl::expected<void, std::string> gone;
      if (change.kind == "droplet") gone = delete_droplet(change, change.detail);
      else if (change.kind == "database") gone = delete_database(change.id, change.name);
      else if (change.kind == "firewall") gone = delete_firewall(change.id, change.name);
      if (!gone) return gone;
    }
    return {};
  }

private:
  tl::expected<void, std::string> record(StateResource resource) {
    m_s.state.upsert(std::move(resource));
    return save_state(m_s.state_file, m_s.state);
  }
  tl::expected<void, std::string> forget(const std::string& kind, const std::string& name) {
    m_s.state.erase(kind, name);
    return save_state(m_s.state_file, m_s.state);
  }
  void say(const std::string& line) const {
    if (m_s.progress) m_s.progress(line);
  }

  // Tags must exist before a firewall names them. POST /v2/tags is idempotent, but only the
  // missing ones are created, so a run that adds one worker makes one mutating call, not six.
  tl::expected<void, std::string> ensure_tags() {
    auto existing = m_s.client.list("/v2/tags", "tags");
    if (!existing) return tl::unexpected(failed("listing tags", existing.error()));
    for (const auto& tag : m_desired.tags) {
      const bool there = std::any_of(existing->begin(), existing->end(), [&](const nlohmann::json& t) {
        return t.is_object() && t.value("name", "") == tag;
      });
      if (there) continue;
      if (auto made = cloud::create_tag(m_s.client, tag); !made) return tl::unexpected(failed("tag " + tag, made.error()));
    }
    return {};
  }

  tl::expected<void, std::string> ensure_key() {
    auto ensured = cloud::ensure_ssh_key(m_s.client, m_desired.ssh_key_name, m_identity.public_key, m_identity.fingerprint);
    if (!ensured) return tl::unexpected(failed("SSH key", ensured.error()));
    const StateResource* before = m_s.state.find("ssh_key", ensured->key.name);
    // Ours if we uploaded it now, or under the name only fpctl gives the keys it uploads.
    const bool ours = ensured->created || (before != nullptr && before->created_by_fpctl) ||
                      ensured->key.name == m_desired.ssh_key_name;
    if (ensured->created) say("ssh key " + ensured->key.name + ": uploaded (" + m_identity.fingerprint + ")");
    return record({"ssh_key", std::to_string(ensured->key.id), ensured->key.name, "", "", "", "", "", "",
                   before != nullptr ? before->created_at : now_iso8601(), ours});
  }

  tl::expected<void, std::string> ensure_vpc() {
    auto found = cloud::find_vpc(m_s.client, m_desired.vpc_name);
    if (!found) return tl::unexpected(failed("VPC " + m_desired.vpc_name, found.error()));
    std::optional<cloud::Vpc> vpc = std::move(*found);
    if (!vpc) {
      auto made = cloud::create_vpc(m_s.client, {m_desired.vpc_name, m_desired.region, vpc_description(m_desired.project), ""});
      if (!made) return tl::unexpected(failed("VPC " + m_desired.vpc_name, made.error()));
      vpc = std::move(*made);
      say("vpc " + vpc->name + ": created (" + vpc->id + ")");
    }
    m_vpc_id = vpc->id;
    return record({"vpc", vpc->id, vpc->name, "", "", vpc->region, "", "", "", vpc->created_at,
                   vpc->description == vpc_description(m_desired.project)});
  }

  tl::expected<void, std::string> create_droplets(const ChangeSet& set) {
    // One multi-create per role and size, at most ten names each.
    std::map<std::pair<Role, std::string>, std::vector<std::string>> groups;
    for (const auto& change : set.changes)
      if (change.kind == "droplet" && (change.action == Action::create || change.action == Action::replace))
        groups[{*change.role, change.size}].push_back(change.name);
    for (auto& [key, names] : groups) {
      for (std::size_t first = 0; first < names.size(); first += k_names_per_create) {
        const std::vector<std::string> chunk(names.begin() + static_cast<std::ptrdiff_t>(first),
                                             names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), first + k_names_per_create)));
        if (auto made = create_chunk(key.first, key.second, chunk); !made) return made;
      }
    }
    return {};
  }

  tl::expected<void, std::string> create_chunk(Role role, const std::string& size, std::vector<std::string> names) {
    const std::string tag = project_tag(m_desired.project);
    for (int attempt = 0; attempt < 2 && !names.empty(); ++attempt) {
      cloud::DropletCreate request;
      request.names = names;
      request.region = m_desired.region;
      request.size = size;
      request.image = m_desired.image;
      request.ssh_keys = {m_identity.fingerprint};
      request.tags = {std::string(k_fpctl_tag), tag, role_tag(m_desired.project, role)};
      request.vpc_uuid = m_vpc_id;
      request.monitoring = m_desired.monitoring;
      auto created = cloud::create_droplets(m_s.client, request);
      if (created) {
        for (std::size_t i = 0; i < created->droplets.size(); ++i) {
          const auto& droplet = created->droplets[i];
          m_created_actions[droplet.id] = i < created->action_ids.size() ? created->action_ids[i] : 0;
          say("droplet " + droplet.name + ": created (id " + std::to_string(droplet.id) + ", " + size + ")");
          if (auto saved = record(record_of(droplet, std::string(to_string(role)))); !saved) return saved;
        }
        return {};
      }
      if (created.error().kind != cloud::ErrorKind::outcome_unknown)
        return tl::unexpected(failed("droplets " + names.front() + (names.size() > 1 ? " and others" : ""), created.error()));
      // The answer was lost: the API may have made some or all of them. Record those, create the rest.
      say("droplets: the create's answer was lost (" + created.error().describe() + "); looking for what it made");
      auto found = cloud::find_droplets(m_s.client, tag, names);
      if (!found) return tl::unexpected(failed("looking for droplets after a lost answer", found.error()));
      for (const auto& droplet : *found) {
        if (auto saved = record(record_of(droplet, std::string(to_string(role)))); !saved) return saved;
        std::erase(names, droplet.name);
      }
    }
    if (!names.empty())
      return tl::unexpected("droplet " + names.front() + ": creating it failed twice with no answer from the API; run "
                            "'fpctl up' again (it finds what was made)");
    return {};
  }

  tl::expected<void, std::string> create_database(const ChangeSet& set) {
    if (!m_desired.database) return {};
    const auto& want = *m_desired.database;
    const auto change = std::find_if(set.changes.begin(), set.changes.end(),
                                     [](const Change& c) { return c.kind == "database" && c.action != Action::remove; });
    if (change == set.changes.end()) return {};
    if (change->action == Action::keep) {
      m_database_id = change->id;
      return {};
    }
    cloud::DatabaseCreate request{want.name, want.engine, want.version, want.size, m_desired.region,
                                  want.nodes, m_vpc_id, want.tags};
    auto created = cloud::create_database(m_s.client, request);
    if (!created && created.error().kind == cloud::ErrorKind::outcome_unknown) {
      auto found = cloud::find_database(m_s.client, project_tag(m_desired.project), want.name);
      if (found && *found) created = std::move(**found);
      else if (found) created = cloud::create_database(m_s.client, request);
    }
    if (!created) return tl::unexpected(failed("database " + want.name, created.error()));
    say("database " + want.name + ": created (" + created->id + ", " + want.size + ")");
    m_database_id = created->id;
    return record(record_of(*created));
  }

  tl::expected<void, std::string> wait_droplets() {
    auto found = cloud::list_droplets_by_tag(m_s.client, project_tag(m_desired.project));
    if (!found) return tl::unexpected(failed("listing droplets", found.error()));
    std::vector<std::int64_t> ids;
    std::vector<std::int64_t> actions;
    std::map<std::int64_t, std::string> roles;
    for (const auto& want : m_desired.droplets) {
      for (const auto& droplet : *found) {
        if (droplet.name != want.name) continue;
        ids.push_back(droplet.id);
        actions.push_back(m_created_actions.count(droplet.id) != 0 ? m_created_actions[droplet.id] : 0);
        roles[droplet.id] = std::string(to_string(want.role));
        break;
      }
    }
    // Droplets created now may not be listed yet (the API's lag); wait for those by id too.
    for (const auto& [id, action] : m_created_actions) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      ids.push_back(id);
      actions.push_back(action);
    }
    if (ids.empty()) return {};
    auto ready = cloud::wait_for_droplets(m_s.client, ids, actions, m_s.options.droplet_wait);
    if (!ready) return tl::unexpected(failed("waiting for the droplets", ready.error()));
    for (const auto& droplet : *ready) {
      const StateResource* before = m_s.state.find("droplet", droplet.name);
      const std::string role = roles.count(droplet.id) != 0 ? roles[droplet.id] : (before != nullptr ? before->role : "");
      if (auto saved = record(record_of(droplet, role)); !saved) return saved;
    }
    say("droplets: " + std::to_string(ready->size()) + " active with addresses");
    return {};
  }

  tl::expected<void, std::string> finish_database() {
    if (m_database_id.empty()) return {};
    auto online = cloud::wait_for_database(m_s.client, m_database_id, m_s.options.database_wait);
    if (!online) return tl::unexpected(failed("waiting for database " + m_desired.database->name, online.error()));
    // Only the workers may connect (trusted sources by tag).
    const std::vector<cloud::DatabaseFirewallRule> rules{{"tag", m_desired.database->trusted_tag, "", ""}};
    auto current = cloud::get_database_firewall(m_s.client, m_database_id);
    if (!current) return tl::unexpected(failed("database " + m_desired.database->name + " trusted sources", current.error()));
    const bool already = current->size() == 1 && (*current)[0].type == "tag" && (*current)[0].value == rules[0].value;
    if (!already) {
      if (auto put = cloud::put_database_firewall(m_s.client, m_database_id, rules); !put)
        return tl::unexpected(failed("database " + m_desired.database->name + " trusted sources", put.error()));
      say("database " + online->name + ": trusted sources limited to tag " + rules[0].value);
    }
    say("database " + online->name + ": online");
    return record(record_of(*online));
  }

  tl::expected<void, std::string> apply_firewalls(const ChangeSet& set) {
    for (const auto& want : m_desired.firewalls) {
      const auto change = std::find_if(set.changes.begin(), set.changes.end(), [&](const Change& c) {
        return c.kind == "firewall" && c.name == want.name && c.action != Action::remove;
      });
      if (change == set.changes.end()) continue;
      const cloud::FirewallSpec spec = firewall_spec(want);
      tl::expected<cloud::Firewall, cloud::ApiError> result = tl::unexpected(cloud::ApiError{});
      if (change->action == Action::keep) {
        continue;
      } else if (change->action == Action::update) {
        result = cloud::update_firewall(m_s.client, change->id, spec);
      } else {
        result = cloud::create_firewall(m_s.client, spec);
        if (!result && result.error().kind == cloud::ErrorKind::outcome_unknown) {
          auto found = cloud::find_firewall(m_s.client, want.name);
          if (found && *found) result = std::move(**found);
          else if (found) result = cloud::create_firewall(m_s.client, spec);
        }
      }
      if (!result) return tl::unexpected(failed("firewall " + want.name, result.error()));
      say("firewall " + want.name + ": " + std::string(change->action == Action::update ? "updated" : "created"));
      if (auto saved = record({"firewall", result->id, want.name, std::string(to_string(want.role)), "", "", result->status,
                               "", "", result->created_at.empty() ? now_iso8601() : result->created_at, true});
          !saved)
        return saved;
    }
    return {};
  }

  tl::expected<void, std::string> delete_droplet(const Change& change, const std::string& why) {
    auto deleted = cloud::delete_droplet(m_s.client, std::stoll(change.id));
    if (!deleted) return tl::unexpected(failed("deleting droplet " + change.name, deleted.error()));
    auto gone = cloud::wait_until_gone(m_s.client, "/v2/droplets/" + change.id, "droplet " + change.name,
                                       m_s.options.delete_wait);
    if (!gone) return tl::unexpected(failed("deleting droplet " + change.name, gone.error()));
    say("droplet " + change.name + " (" + change.id + "): deleted (" + why + ")");
    const StateResource* recorded = m_s.state.find("droplet", change.name);
    if (recorded != nullptr && recorded->id == change.id) return forget("droplet", change.name);
    return {};
  }

  tl::expected<void, std::string> delete_database(const std::string& id, const std::string& name) {
    auto deleted = cloud::delete_database(m_s.client, id);
    if (!deleted) return tl::unexpected(failed("deleting database " + name, deleted.error()));
    say("database " + name + ": deleted");
    return forget("database", name);
  }

  tl::expected<void, std::string> delete_firewall(const std::string& id, const std::string& name) {
    auto deleted = cloud::delete_firewall(m_s.client, id);
    if (!deleted) return tl::unexpected(failed("deleting firewall " + name, deleted.error()));
    say("firewall " + name + ": deleted");
    return forget("firewall", name);
  }

  Session& m_s;
  const Desired& m_desired;
  const SshIdentity& m_identity;
  std::string m_vpc_id;
  std::string m_database_id;
  std::map<std::int64_t, std::int64_t> m_created_actions; // droplet id -> its create action
};

} // namespace

std::string vpc_description(const std::string& project) { return "Created by fpctl for project " + project; }

tl::expected<void, std::string> apply_changes(Session& session, const Desired& desired, const SshIdentity& identity,
                                              const ChangeSet& changes) {
  return Applier(session, desired, identity).run(changes);
}

tl::expected<TeardownResult, std::string> teardown(Session& session, const std::string& project) {
  const auto say = [&](const std::string& line) {
    if (session.progress) session.progress(line);
  };
  const auto save = [&]() { return save_state(session.state_file, session.state); };
  auto observed = observe(session.client, project, "");
  if (!observed) return tl::unexpected(failed("listing the project's resources", observed.error()));
  TeardownResult result;

  // Firewalls first: they name the tags of the droplets about to go.
  for (const auto& firewall : observed->firewalls) {
    auto deleted = cloud::delete_firewall(session.client, firewall.id);
    if (!deleted) return tl::unexpected(failed("deleting firewall " + firewall.spec.name, deleted.error()));
    say("firewall " + firewall.spec.name + ": deleted");
    ++result.deleted;
    session.state.erase("firewall", firewall.spec.name);
    if (auto saved = save(); !saved) return tl::unexpected(saved.error());
  }
  // Every delete is sent before any wait, so they proceed side by side.
  for (const auto& droplet : observed->droplets) {
    auto deleted = cloud::delete_droplet(session.client, droplet.id);
    if (!deleted) return tl::unexpected(failed("deleting droplet " + droplet.name, deleted.error()));
    say("droplet " + droplet.name + " (" + std::to_string(droplet.id) + "): deleting");
  }
  for (const auto& database : observed->databases) {
    auto deleted = cloud::delete_database(session.client, database.id);
    if (!deleted) return tl::unexpected(failed("deleting database " + database.name, deleted.error()));
    say("database " + database.name + ": deleting");
  }
  for (const auto& droplet : observed->droplets) {
    auto gone = cloud::wait_until_gone(session.client, "/v2/droplets/" + std::to_string(droplet.id),
                                       "droplet " + droplet.name, session.options.delete_wait);
    if (!gone) return tl::unexpected(failed("deleting droplet " + droplet.name, gone.error()));
    ++result.deleted;
    session.state.erase("droplet", droplet.name);
    if (auto saved = save(); !saved) return tl::unexpected(saved.error());
  }
  for (const auto& database : observed->databases) {
    auto gone = cloud::wait_until_gone(session.client, "/v2/databases/" + database.id, "database " + database.name,
                                       session.options.delete_wait);
    if (!gone) return tl::unexpected(failed("deleting database " + database.name, gone.error()));
    ++result.deleted;
    session.state.erase("database", database.name);
    if (auto saved = save(); !saved) return tl::unexpected(saved.error());
  }
  say("droplets and databases: gone");

  if (observed->vpc) {
    const auto& vpc = *observed->vpc;
    if (vpc.description != vpc_description(project)) {
      result.kept.push_back("VPC " + vpc.name + " (not created by fpctl)");
    } else if (vpc.is_default) {
      // The first VPC made in a region becomes its default, and a default VPC cannot be deleted.
      // VPCs are free, so nothing billable stays.
      result.kept.push_back("VPC " + vpc.name + " (it became the region's default VPC, which DigitalOcean never deletes; VPCs are free)");
    } else {
      tl::expected<bool, cloud::ApiError> deleted = false;
      for (int attempt = 0; attempt < session.options.vpc_delete_attempts; ++attempt) {
        deleted = cloud::delete_vpc(session.client, vpc.id);
        if (deleted || deleted.error().kind != cloud::ErrorKind::conflict) break;
        say("vpc " + vpc.name + ": members still detaching; retrying");
        std::this_thread::sleep_for(session.options.vpc_delete_interval);
      }
      if (!deleted) return tl::unexpected(failed("deleting VPC " + vpc.name, deleted.error()));
      say("vpc " + vpc.name + ": deleted");
      ++result.deleted;
    }
    session.state.erase("vpc", vpc.name);
  }
  if (observed->ssh_key) {
    // Named fpctl-<project>: a key fpctl uploaded. A key the user had uploaded under another name
    // is never found here, so never deleted.
    auto deleted = cloud::delete_ssh_key(session.client, std::to_string(observed->ssh_key->id));
    if (!deleted) return tl::unexpected(failed("deleting SSH key " + observed->ssh_key->name, deleted.error()));
    say("ssh key " + observed->ssh_key->name + ": deleted");
    ++result.deleted;
    session.state.erase("ssh_key", observed->ssh_key->name);
  }
  for (const auto& r : session.state.resources)
    if (r.kind == "vpc" || r.kind == "ssh_key") result.kept.push_back(r.kind + " " + r.name + " (existed before fpctl)");
  session.state.resources.clear();
  if (auto saved = save(); !saved) return tl::unexpected(saved.error());

  // The proof: list again, by tag and by name.
  auto after = observe(session.client, project, "");
  if (!after) return tl::unexpected(failed("listing the project's resources after teardown", after.error()));
  std::string left;
  for (const auto& d : after->droplets) left += " droplet " + d.name + " (" + std::to_string(d.id) + ")";
  for (const auto& d : after->databases) left += " database " + d.name;
  for (const auto& f : after->firewalls) left += " firewall " + f.spec.name;
  if (!left.empty()) return tl::unexpected("after teardown the account still holds:" + left + "; run 'fpctl teardown' again");
  return result;
}

} // namespace fp::infra
