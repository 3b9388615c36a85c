// The HTTP layer against the simulator: account check messages, pagination, 429 and 5xx retries,
// bounded giving up, creates that are never blindly repeated, error bodies in messages, pacing,
// the verbose log without the token, parallel requests and connection reuse.
#include <gtest/gtest.h>

#include <set>

#include "cloud/account.hpp"
#include "cloud/catalog.hpp"
#include "cloud/droplets.hpp"
#include "cloud/parallel.hpp"
#include "cloud_fixture.hpp"
#include "silent_server.hpp"

namespace fp::cloud {
namespace {

using namespace std::chrono_literals;
using fp::test::DosimOptions;
using fp::test::DosimProcess;
using test::CapturedLog;
using test::make_client;
using test::options_for;
using test::requests_to;
using nlohmann::json;

DropletCreate small_droplets(std::vector<std::string> names, std::string tag = "fpctl-test") {
  DropletCreate request;
  request.names = std::move(names);
  request.region = "fra1";
  request.size = "s-1vcpu-1gb";
  request.image = "debian-12-x64";
  request.tags = {"fpctl", std::move(tag)};
  return request;
}

TEST(Account, CheckPassesWithAWorkingToken) {
  DosimProcess dosim(test::token_options(test::k_secret));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto check = check_account(client);
  ASSERT_TRUE(check) << check.error().describe();
  EXPECT_EQ(check->account.status, "active");
  EXPECT_GT(check->account.droplet_limit, 0);
  EXPECT_TRUE(check->warnings.empty());
}

TEST(Account, BadTokenGetsOne401AndSaysHowToMakeAToken) {
  DosimProcess dosim(test::token_options("dop_v1_the_right_one"));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto check = check_account(client);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().kind, ErrorKind::unauthorized);
  const std::string text = check.error().describe();
  EXPECT_NE(text.find("GET /v2/account: 401 unauthorized"), std::string::npos) << text;
  EXPECT_NE(text.find("cloud.digitalocean.com/account/api/tokens"), std::string::npos) << text;
  EXPECT_EQ(text.find(test::k_secret), std::string::npos);
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/account"), 1u); // a 401 is never retried
}

TEST(Account, LockedAccountStopsWarningAccountWarns) {
  DosimProcess dosim(test::faults_options(json{{"account", {{"status", "locked"}}}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto check = check_account(client);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().kind, ErrorKind::account);
  EXPECT_NE(check.error().describe().find("locked"), std::string::npos) << check.error().describe();

  dosim.set_faults(json{{"account", {{"status", "warning"}}}});
  check = check_account(client);
  ASSERT_TRUE(check) << check.error().describe();
  ASSERT_FALSE(check->warnings.empty());
  EXPECT_NE(check->warnings.front().find("warning status"), std::string::npos);
}

TEST(Pagination, FollowsNextOverMoreThanOnePage) {
  DosimProcess dosim(test::faults_options(json{{"account", {{"droplet_limit", 500}}}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  const std::size_t wanted = 205; // more than one page of 200
  for (std::size_t made = 0; made < wanted;) {
    std::vector<std::string> names;
    for (; names.size() < 10 && made < wanted; ++made) names.push_back("page-test-" + std::to_string(made));
    auto created = create_droplets(client, small_droplets(names));
    ASSERT_TRUE(created) << created.error().describe();
  }
  dosim.clear_requests();
  auto listed = list_droplets_by_tag(client, "fpctl-test");
  ASSERT_TRUE(listed) << listed.error().describe();
  EXPECT_EQ(listed->size(), wanted);
  std::set<std::int64_t> ids;
  for (const auto& droplet : *listed) ids.insert(droplet.id);
  EXPECT_EQ(ids.size(), wanted); // no page read twice, none skipped
  const auto requests = dosim.requests();
  ASSERT_EQ(requests.size(), 2u) << requests.dump(1);
  EXPECT_EQ(requests[1].value("path", ""), "/v2/droplets");
  EXPECT_NE(requests[1].dump().find("page=2"), std::string::npos) << requests[1].dump();
}

TEST(Pagination, AFailingPageFailsTheListing) {
  DosimProcess dosim(test::faults_options(json{{"account", {{"droplet_limit", 500}}}}));
  CapturedLog log;
  auto options = options_for(dosim.url(), log);
  options.retry.max_attempts = 2;
  auto client = make_client(options);
  for (int batch = 0; batch < 21; ++batch) {
    std::vector<std::string> names;
    for (int i = 0; i < 10; ++i) names.push_back("p-" + std::to_string(batch) + "-" + std::to_string(i));
    ASSERT_TRUE(create_droplets(client, small_droplets(names)));
  }
  dosim.set_faults(json{{"account", {{"droplet_limit", 500}}},
                        {"rules", json::array({{{"method", "GET"}, {"path", "/v2/droplets"}, {"nth", 2},
                                                {"count", 0}, {"status", 500}}})}});
  auto listed = list_droplets_by_tag(client, "fpctl-test");
  ASSERT_FALSE(listed); // never a silently short list
  EXPECT_EQ(listed.error().kind, ErrorKind::server);
}

TEST(Retries, A429WithRetryAfterIsWaitedOutThenSucceeds) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "GET"}, {"path", "/v2/account"},
                                                                         {"count", 1}, {"status", 429},
                                                                         {"retry_after", 1}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto account = get_account(client);
  ASSERT_TRUE(account) << account.error().describe();
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/account"), 2u);
  bool waited_as_told = false;
  for (const auto& entry : log.entries)
    if (entry.kind == LogEntry::Kind::wait && entry.elapsed == 1000ms) waited_as_told = true;
  EXPECT_TRUE(waited_as_told) << log.text();
}

TEST(Retries, ServerErrorsAreRetriedForReads) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "GET"}, {"path", "/v2/sizes"},
                                                                         {"count", 2}, {"status", 503}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto sizes = list_sizes(client);
  ASSERT_TRUE(sizes) << sizes.error().describe();
  EXPECT_FALSE(sizes->empty());
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/sizes"), 3u);
}

TEST(Retries, GiveUpAfterMaxAttempts) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "GET"}, {"path", "/v2/regions"},
                                                                         {"count", 0}, {"status", 500},
                                                                         {"message", "boom"}}})}}));
  CapturedLog log;
  auto options = options_for(dosim.url(), log);
  options.retry.max_attempts = 3;
  auto client = make_client(options);
  auto regions = list_regions(client);
  ASSERT_FALSE(regions);
  EXPECT_EQ(regions.error().kind, ErrorKind::server);
  EXPECT_NE(regions.error().describe().find("gave up after 3 attempts"), std::string::npos)
    << regions.error().describe();
  EXPECT_NE(regions.error().describe().find("500"), std::string::npos);
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/regions"), 3u);
}

TEST(Retries, GiveUpWhenTheTotalTimeRunsOut) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "GET"}, {"path", "/v2/regions"},
                                                                         {"count", 0}, {"status", 502}}})}}));
  CapturedLog log;
  auto options = options_for(dosim.url(), log);
  options.retry.max_attempts = 1000;
  options.retry.base_delay = 100ms;
  options.retry.max_delay = 100ms;
  options.retry.max_total = 1000ms;
  auto client = make_client(options);
  auto regions = list_regions(client);
  ASSERT_FALSE(regions);
  EXPECT_EQ(regions.error().kind, ErrorKind::server);
  const auto attempts = requests_to(dosim, "GET", "/v2/regions");
  EXPECT_GE(attempts, 2u);
  EXPECT_LT(attempts, 1000u); // the time budget, not the attempt count, ended it
}

TEST(Creates, AServerErrorAfterTheCreateIsOutcomeUnknownAndNotRepeated) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "POST"}, {"path", "/v2/droplets"},
                                                                         {"count", 1}, {"status", 500},
                                                                         {"after_apply", true}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto created = create_droplets(client, small_droplets({"lost-1", "lost-2"}));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::outcome_unknown);
  EXPECT_NE(created.error().describe().find("look for the resource by name and tag"), std::string::npos)
    << created.error().describe();
  EXPECT_EQ(requests_to(dosim, "POST", "/v2/droplets"), 1u);
  // The lookup the caller makes before trying again finds what the lost create made, once.
  auto found = find_droplets(client, "fpctl-test", {"lost-1", "lost-2"});
  ASSERT_TRUE(found) << found.error().describe();
  EXPECT_EQ(found->size(), 2u);
}

TEST(Creates, A429OnACreateIsRetriedBecauseNothingHappened) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "POST"}, {"path", "/v2/droplets"},
                                                                         {"count", 1}, {"status", 429},
                                                                         {"retry_after", 0}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto created = create_droplets(client, small_droplets({"once"}));
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(requests_to(dosim, "POST", "/v2/droplets"), 2u);
  auto found = find_droplets(client, "fpctl-test", {"once"});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->size(), 1u);
}

TEST(Creates, AConnectionDroppedAfterSendingIsOutcomeUnknownButReadsRetry) {
  test::SilentServer server(test::SilentServer::Mode::close_after_request);
  CapturedLog log;
  auto client = make_client(options_for(server.url(), log));
  auto created = create_droplets(client, small_droplets({"maybe"}));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::outcome_unknown) << created.error().describe();
  EXPECT_EQ(server.requests_seen(), 1);

  auto account = get_account(client);
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error().kind, ErrorKind::network);
  EXPECT_EQ(server.requests_seen(), 1 + test::fast_retries().max_attempts);
}

TEST(Creates, ATimeoutAfterSendingIsOutcomeUnknown) {
  test::SilentServer server(test::SilentServer::Mode::hold_open);
  CapturedLog log;
  auto options = options_for(server.url(), log);
  options.request_timeout = 300ms;
  auto client = make_client(options);
  auto created = create_droplets(client, small_droplets({"maybe"}));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::outcome_unknown) << created.error().describe();
  EXPECT_EQ(server.requests_seen(), 1);
}

TEST(Network, RefusedConnectionIsRetriedThenExplained) {
  // A port that was free a moment ago: nothing listens there.
  std::string url;
  {
    test::SilentServer probe(test::SilentServer::Mode::close_after_request);
    url = probe.url();
  }
  CapturedLog log;
  auto client = make_client(options_for(url, log));
  auto created = create_droplets(client, small_droplets({"never-sent"}));
  ASSERT_FALSE(created);
  // Nothing reached a server, so even a create may be (and was) tried again: network, not unknown.
  EXPECT_EQ(created.error().kind, ErrorKind::network) << created.error().describe();
  EXPECT_EQ(log.count(LogEntry::Kind::failure), static_cast<std::size_t>(test::fast_retries().max_attempts));
  const std::string text = created.error().describe();
  EXPECT_NE(text.find("POST /v2/droplets"), std::string::npos) << text;
  EXPECT_NE(text.find("check the network connection and the API URL"), std::string::npos) << text;
}

TEST(Errors, DigitalOceansErrorBodyIsInTheMessage) {
  DosimProcess dosim(test::faults_options(json{{"unavailable_sizes", json::array({{{"region", "fra1"},
                                                                                     {"size", "s-1vcpu-1gb"}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  auto created = create_droplets(client, small_droplets({"nope"}));
  ASSERT_FALSE(created);
  const auto& error = created.error();
  EXPECT_EQ(error.kind, ErrorKind::invalid);
  EXPECT_EQ(error.status, 422);
  EXPECT_EQ(error.id, "unprocessable_entity");
  EXPECT_FALSE(error.request_id.empty());
  const std::string text = error.describe();
  EXPECT_NE(text.find("POST /v2/droplets: 422 unprocessable_entity: "), std::string::npos) << text;
  EXPECT_NE(text.find("request id " + error.request_id), std::string::npos) << text;
  EXPECT_EQ(requests_to(dosim, "POST", "/v2/droplets"), 1u); // a 422 is final
}

TEST(Errors, A403OnAWriteSaysTheTokenMayBeReadOnly) {
  // The API shows a read-only token only as a 403 on the first create/update/delete.
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "POST"}, {"path", "/v2/droplets"},
                                                                      {"count", 0}, {"status", 403}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  ASSERT_TRUE(check_account(client)); // reading works
  auto created = create_droplets(client, small_droplets({"refused"}));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::forbidden);
  const std::string text = created.error().describe();
  EXPECT_NE(text.find("POST /v2/droplets: 403 forbidden"), std::string::npos) << text;
  EXPECT_NE(text.find("read-only"), std::string::npos) << text;
  EXPECT_NE(text.find("write scope"), std::string::npos) << text;
  EXPECT_EQ(requests_to(dosim, "POST", "/v2/droplets"), 1u);
}

TEST(RateLimits, PacingGivesUpInsteadOfSleepingPastTheBudget) {
  DosimProcess dosim;
  CapturedLog log;
  auto options = options_for(dosim.url(), log);
  options.rate_limit.per_minute = 3;
  options.rate_limit.minute_headroom = 0;
  options.retry.max_total = 1000ms;
  auto client = make_client(options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(get_account(client));
  auto fourth = get_account(client);
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error().kind, ErrorKind::rate_limited);
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/account"), 3u); // the fourth was never sent
}

TEST(RateLimits, HeadersAreTrackedAndTheHourlyReserveIsKept) {
  DosimProcess dosim(test::faults_options(json{{"rate_limits", {{"hourly", 4}}}}));
  CapturedLog log;
  auto options = options_for(dosim.url(), log);
  options.rate_limit.hourly_reserve = 1;
  options.retry.max_total = 2000ms;
  auto client = make_client(options);
  ASSERT_TRUE(get_account(client));
  EXPECT_EQ(client.rate_limit().limit.value_or(0), 4);
  EXPECT_EQ(client.rate_limit().remaining.value_or(-1), 3);
  ASSERT_TRUE(get_account(client));
  ASSERT_TRUE(get_account(client)); // remaining is now 1: the reserve
  auto next = get_account(client);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, ErrorKind::rate_limited);
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/account"), 3u);
}

TEST(VerboseLog, EveryExchangeIsLoggedAndTheTokenNever) {
  DosimProcess dosim(test::faults_options(json{{"rules", json::array({{{"method", "GET"}, {"path", "/v2/sizes"},
                                                                         {"count", 1}, {"status", 503}}})}}));
  CapturedLog log;
  auto client = make_client(options_for(dosim.url(), log));
  ASSERT_TRUE(get_account(client));
  ASSERT_TRUE(list_sizes(client));
  ASSERT_TRUE(create_droplets(client, small_droplets({"logged"})));
  auto options = options_for(dosim.url() + "/", log);
  options.token = Token("dop_v1_7e57c0ffee5ecre7do_not_print_me"); // the same secret, another client
  auto second = make_client(options);
  ASSERT_TRUE(second.get("/v2/account?echo=dop_v1_7e57c0ffee5ecre7do_not_print_me"));

  const std::string text = log.text();
  EXPECT_EQ(text.find(test::k_secret), std::string::npos) << text;
  EXPECT_NE(text.find("Authorization: Bearer [REDACTED]"), std::string::npos);
  EXPECT_NE(text.find("echo=[REDACTED]"), std::string::npos);
  EXPECT_NE(text.find("-> GET " + dosim.url() + "/v2/account"), std::string::npos) << text;
  EXPECT_NE(text.find("<- 503 GET " + dosim.url() + "/v2/sizes"), std::string::npos) << text;
  EXPECT_NE(text.find("<- 202 POST " + dosim.url() + "/v2/droplets"), std::string::npos) << text;
  EXPECT_NE(text.find("\"name\":\"logged\""), std::string::npos) << text; // request bodies are there
  EXPECT_NE(text.find("ratelimit-remaining"), std::string::npos);
  EXPECT_GE(log.count(LogEntry::Kind::wait), 1u); // the retry after the 503 is explained
}

TEST(Parallel, IndependentRequestsRunSideBySideOverReusedConnections) {
  DosimProcess dosim;
  CapturedLog log;
  auto options = options_for(dosim.url(), log);
  options.parallelism = 4;
  auto client = make_client(options);
  auto results = parallel_map<tl::expected<Response, ApiError>>(
    16, client.parallelism(), [&](std::size_t i) { return client.get(i % 2 ? "/v2/sizes" : "/v2/regions"); });
  for (const auto& result : results) ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(requests_to(dosim, "GET", "/v2/"), 16u);
  // At most one connection per thread, not one per request.
  EXPECT_LE(client.connections_opened(), 4);

  const long before = client.connections_opened();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.get("/v2/account"));
  EXPECT_EQ(client.connections_opened(), before); // sequential requests reuse an idle connection
}

} // namespace
} // namespace fp::cloud
