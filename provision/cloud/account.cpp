#include "account.hpp"

#include "json_read.hpp"

namespace fp::cloud {

using namespace detail;

Account account_from_json(const nlohmann::json& object) {
  Account account;
  account.droplet_limit = integer(object, "droplet_limit");
  account.floating_ip_limit = integer(object, "floating_ip_limit");
  account.email = text(object, "email");
  account.uuid = text(object, "uuid");
  account.email_verified = boolean(object, "email_verified");
  account.status = text(object, "status");
  account.status_message = text(object, "status_message");
  account.team_name = text(member(object, "team"), "name");
  return account;
}

tl::expected<Account, ApiError> get_account(Client& client) {
  auto response = client.get("/v2/account");
  if (!response) return tl::unexpected(response.error());
  auto object = single(*response, "account", "GET /v2/account");
  if (!object) return tl::unexpected(object.error());
  return account_from_json(**object);
}

tl::expected<AccountCheck, ApiError> check_account(Client& client) {
  auto account = get_account(client);
  if (!account) {
    ApiError error = account.error();
    if (error.kind == ErrorKind::unauthorized)
      error.hint = "DigitalOcean does not accept this API token (wrong, expired or revoked): create one at "
                   "https://cloud.digitalocean.com/account/api/tokens with read and write scope, then "
                   "export DIGITALOCEAN_TOKEN=<token> (or run `doctl auth init`)";
    else if (error.kind == ErrorKind::forbidden)
      error.hint = "the token may not read the account (scope account:read): create a token with Full Access, "
                   "or Custom Scopes that include account:read";
    return tl::unexpected(std::move(error));
  }
  AccountCheck check;
  check.account = std::move(*account);
  const auto& status = check.account.status;
  std::string why = check.account.status_message;
  while (!why.empty() && why.back() == ' ') why.pop_back();
  while (!why.empty() && why.front() == ' ') why.erase(0, 1);
  if (status == "locked") {
    ApiError error = make_error(ErrorKind::account,
                                "the DigitalOcean account " + check.account.email + " is locked" +
                                  (why.empty() ? "" : ": " + why),
                                "nothing can be created until it is unlocked: see "
                                "https://cloud.digitalocean.com/account/billing or contact DigitalOcean support");
    error.method = "GET";
    error.path = "/v2/account";
    return tl::unexpected(std::move(error));
  }
  if (status == "warning")
    check.warnings.push_back("the DigitalOcean account is in warning status" + (why.empty() ? "" : ": " + why) +
                             " (usually billing); creating resources may fail");
  if (!check.account.email_verified)
    check.warnings.push_back("the account's e-mail address is not verified; DigitalOcean may refuse to create "
                             "resources until it is");
  return check;
}

} // namespace fp::cloud
