// GET /v2/account and the SSH keys under /v2/account/keys.
#include "handlers.hpp"

namespace fp::dosim {

using nlohmann::json;

namespace {

json* find_key(World& world, const std::string& id_or_fingerprint) {
  for (auto& k : world.ssh_keys) {
    if (std::to_string(k["id"].get<std::int64_t>()) == id_or_fingerprint || k["fingerprint"] == id_or_fingerprint) {
      return &k;
    }
  }
  return nullptr;
}

} // namespace

ApiResponse get_account(World&, Call& call) {
  const auto& a = call.faults.account;
  const std::string message = a.status == "locked"    ? "Your account has been locked. Please contact support."
                              : a.status == "warning" ? "Your account has a billing warning."
                                                      : " ";
  return json_response(200, {{"account",
                              {{"droplet_limit", a.droplet_limit},
                               {"floating_ip_limit", 3},
                               {"reserved_ip_limit", 3},
                               {"volume_limit", 100},
                               {"email", "sammy@example.com"},
                               {"name", "Sammy the Simulated Shark"},
                               {"uuid", "b6fr89dbf6d9156cace5f3c78dc9851d957381ef"},
                               {"email_verified", true},
                               {"status", a.status},
                               {"status_message", message},
                               {"team", {{"uuid", "5df3e3004a17e242b7c20ca6c9fc25b701a47ece"}, {"name", "My Team"}}}}}});
}

ApiResponse list_ssh_keys(World& world, Call& call) { return paginated(call, "ssh_keys", world.ssh_keys); }

ApiResponse create_ssh_key(World& world, Call& call) {
  const auto name = body_string(call.body, "name");
  const auto public_key = body_string(call.body, "public_key");
  if (!name || name->empty()) return unprocessable("Name is required");
  if (!public_key) return unprocessable("Public Key is required");
  const auto fingerprint = ssh_fingerprint(*public_key);
  if (!fingerprint) return unprocessable("Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp' or 'ssh-ed25519'");
  if (find_key(world, *fingerprint)) return unprocessable("SSH Key is already in use on your account");
  json key = {{"id", world.new_key_id()}, {"fingerprint", *fingerprint}, {"public_key", *public_key}, {"name", *name}};
  world.ssh_keys.push_back(key);
  return json_response(201, {{"ssh_key", key}});
}

ApiResponse get_ssh_key(World& world, Call& call) {
  auto* key = find_key(world, call.params["ssh_key_identifier"]);
  if (!key) return not_found();
  return json_response(200, {{"ssh_key", *key}});
}

ApiResponse update_ssh_key(World& world, Call& call) {
  auto* key = find_key(world, call.params["ssh_key_identifier"]);
  if (!key) return not_found();
  if (const auto name = body_string(call.body, "name")) (*key)["name"] = *name;
  return json_response(200, {{"ssh_key", *key}});
}

ApiResponse delete_ssh_key(World& world, Call& call) {
  auto* key = find_key(world, call.params["ssh_key_identifier"]);
  if (!key) return not_found();
  std::erase_if(world.ssh_keys, [&](const json& k) { return &k == key; });
  return no_content();
}

} // namespace fp::dosim
