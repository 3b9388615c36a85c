// GET /v2/account: the first call fpctl makes, to prove the token works before anything else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "client.hpp"

namespace fp::cloud {

struct Account {
  std::int64_t droplet_limit = 0;
  std::int64_t floating_ip_limit = 0;
  std::string email;
  std::string uuid;
  bool email_verified = false;
  std::string status; // active | warning | locked
  std::string status_message;
  std::string team_name;
};

Account account_from_json(const nlohmann::json& object);

tl::expected<Account, ApiError> get_account(Client& client);

struct AccountCheck {
  Account account;
  std::vector<std::string> warnings; // e.g. the account is in `warning` status; show them, go on
};

// get_account plus what makes an account unusable, each with a message that says what to do:
//   401          -> ErrorKind::unauthorized (bad, expired or revoked token: how to make one)
//   403          -> ErrorKind::forbidden (the token lacks the account:read scope)
//   status locked -> ErrorKind::account (the control panel says why: billing, abuse, verification)
// A read-only token passes this check: the API shows missing write scope only as a 403 on the
// first create/update/delete, and Client turns that 403 into a message saying so.
tl::expected<AccountCheck, ApiError> check_account(Client& client);

} // namespace fp::cloud
