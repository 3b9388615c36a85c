// The pure pieces of the HTTP layer: base URL rules, backoff schedule, Retry-After, rate-limit
// headers and pacing, log redaction, error messages. No server needed.
#include <gtest/gtest.h>

#include <random>

#include "cloud/base_url.hpp"
#include "cloud/client.hpp"
#include "cloud/log.hpp"
#include "cloud/rate_limit.hpp"
#include "cloud/redact.hpp"
#include "cloud/retry_policy.hpp"

namespace fp::cloud {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(BaseUrl, AcceptsHttpsAndLoopbackHttp) {
  EXPECT_EQ(check_base_url("https://api.digitalocean.com/").value(), "https://api.digitalocean.com");
  EXPECT_EQ(check_base_url("HTTPS://proxy.example:8443/do").value(), "HTTPS://proxy.example:8443/do");
  EXPECT_EQ(check_base_url("http://127.0.0.1:41234").value(), "http://127.0.0.1:41234");
  EXPECT_EQ(check_base_url("http://localhost:8080").value(), "http://localhost:8080");
  EXPECT_EQ(check_base_url("http://[::1]:8080").value(), "http://[::1]:8080");
}

TEST(BaseUrl, RefusesPlainHttpElsewhereAndSaysWhy) {
  auto url = check_base_url("http://10.0.0.5:8080");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().kind, ErrorKind::config);
  EXPECT_NE(url.error().describe().find("unencrypted"), std::string::npos) << url.error().describe();
  EXPECT_FALSE(check_base_url("http://127.0.0.1.evil.example"));
  EXPECT_FALSE(check_base_url("ftp://api.digitalocean.com"));
  EXPECT_FALSE(check_base_url("api.digitalocean.com"));
  EXPECT_FALSE(check_base_url("https://"));
  EXPECT_FALSE(check_base_url("https://user:pw@api.digitalocean.com"));
  EXPECT_FALSE(check_base_url("https://api.digitalocean.com/?x=1"));
}

TEST(BaseUrl, PathOfUrl) {
  EXPECT_EQ(path_of_url("https://api.digitalocean.com/v2/sizes?page=2&per_page=20"), "/v2/sizes?page=2&per_page=20");
  EXPECT_EQ(path_of_url("http://127.0.0.1:5/v2/x"), "/v2/x");
  EXPECT_EQ(path_of_url("/v2/x"), "/v2/x");
  EXPECT_EQ(path_of_url("https://host"), "/");
}

TEST(Backoff, CeilingDoublesUpToTheCap) {
  RetryPolicy policy;
  policy.base_delay = 1000ms;
  policy.max_delay = 30'000ms;
  EXPECT_EQ(backoff_ceiling(policy, 1), 1000ms);
  EXPECT_EQ(backoff_ceiling(policy, 2), 2000ms);
  EXPECT_EQ(backoff_ceiling(policy, 3), 4000ms);
  EXPECT_EQ(backoff_ceiling(policy, 5), 16'000ms);
  EXPECT_EQ(backoff_ceiling(policy, 6), 30'000ms);
  EXPECT_EQ(backoff_ceiling(policy, 60), 30'000ms);
}

TEST(Backoff, FullJitterStaysWithinTheCeilingAndSpreads) {
  RetryPolicy policy;
  std::mt19937_64 random(42);
  milliseconds low = 1h, high = 0ms;
  for (int i = 0; i < 2000; ++i) {
    const auto delay = backoff_delay(policy, 3, random);
    ASSERT_GE(delay, 0ms);
    ASSERT_LE(delay, 4000ms);
    low = std::min(low, delay);
    high = std::max(high, delay);
  }
  // Full jitter: the whole range [0, ceiling] is used, not just a band around it.
  EXPECT_LT(low, 400ms);
  EXPECT_GT(high, 3600ms);
}

TEST(Backoff, RetryableStatuses) {
  for (long status : {429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(status)) << status;
  for (long status : {200L, 400L, 401L, 403L, 404L, 409L, 422L, 501L}) EXPECT_FALSE(is_retryable_status(status)) << status;
}

TEST(RetryAfter, SecondsAndHttpDates) {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000); // 2023-11-14T22:13:20Z
  EXPECT_EQ(parse_retry_after("29", now), milliseconds(29'000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now), milliseconds(0)); // in the past
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("12abc", now));
}

TEST(RateLimitHeaders, ReadWhateverTheirCapitalisation) {
  const auto lower = parse_rate_limit({{"ratelimit-limit", "5000"}, {"ratelimit-remaining", "4816"},
                                       {"ratelimit-reset", "1444931833"}});
  ASSERT_TRUE(lower.limit && lower.remaining && lower.reset);
  EXPECT_EQ(*lower.limit, 5000);
  EXPECT_EQ(*lower.remaining, 4816);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*lower.reset), 1444931833);

  const auto http11 = parse_rate_limit({{"Ratelimit-Limit", "5000"}, {"RateLimit-Remaining", " 12 "}});
  EXPECT_EQ(http11.limit.value_or(-1), 5000);
  EXPECT_EQ(http11.remaining.value_or(-1), 12);
  EXPECT_FALSE(http11.reset);

  const auto junk = parse_rate_limit({{"ratelimit-remaining", "many"}, {"ratelimit-limit", "-1"}});
  EXPECT_FALSE(junk.remaining);
  EXPECT_FALSE(junk.limit);
}

TEST(RateLimiter, PacesBelowTheBurstLimit) {
  RateLimitPolicy policy;
  policy.per_minute = 5;
  policy.minute_headroom = 1; // at most 4 a minute
  RateLimiter limiter(policy);
  const auto t0 = std::chrono::system_clock::from_time_t(1'000'000);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(limiter.reserve("GET", "/v2/sizes", t0 + std::chrono::seconds(i)), 0ms);
  // The fifth waits until the first leaves the minute (t0 + 60 s), seen from t0 + 10 s.
  EXPECT_EQ(limiter.reserve("GET", "/v2/sizes", t0 + std::chrono::seconds(10)), milliseconds(50'000));
  // Much later the window is empty again.
  EXPECT_EQ(limiter.reserve("GET", "/v2/sizes", t0 + std::chrono::seconds(200)), 0ms);
}

TEST(RateLimiter, AccountKeysHaveTheirOwnLimit) {
  RateLimitPolicy policy;
  policy.keys_per_minute = 2;
  RateLimiter limiter(policy);
  const auto t0 = std::chrono::system_clock::from_time_t(1'000'000);
  EXPECT_EQ(limiter.reserve("GET", "/v2/account/keys", t0), 0ms);
  EXPECT_EQ(limiter.reserve("GET", "/v2/account/keys/3b:16", t0), 0ms);
  EXPECT_EQ(limiter.reserve("GET", "/v2/account", t0), 0ms); // not a key listing
  EXPECT_EQ(limiter.reserve("POST", "/v2/account/keys", t0), 0ms);
  EXPECT_EQ(limiter.reserve("GET", "/v2/account/keys", t0 + std::chrono::seconds(1)), milliseconds(59'000));
}

TEST(RateLimiter, WaitsForTheHourlyWindowWhenNearlyExhausted) {
  RateLimitPolicy policy;
  policy.hourly_reserve = 2;
  RateLimiter limiter(policy);
  const auto now = std::chrono::system_clock::from_time_t(1'000'000);
  limiter.observe(RateLimitInfo{5000, 4, now + std::chrono::seconds(30)});
  EXPECT_EQ(limiter.reserve("GET", "/v2/droplets", now), 0ms); // 4 left
  EXPECT_EQ(limiter.reserve("GET", "/v2/droplets", now), 0ms); // 3 left
  EXPECT_EQ(limiter.reserve("GET", "/v2/droplets", now), milliseconds(30'000)); // 2 left: keep the reserve
  limiter.observe(RateLimitInfo{5000, 4000, now + std::chrono::seconds(30)});
  EXPECT_EQ(limiter.reserve("GET", "/v2/droplets", now), 0ms);
  EXPECT_EQ(limiter.last().remaining.value_or(0), 4000);
}

TEST(Redaction, TokenAndDatabasePasswordsNeverReachTheLog) {
  const Token token("dop_v1_abc123");
  const std::string body =
    R"({"auth":"Bearer dop_v1_abc123","connection":{"uri":"postgres://doadmin:wv78n3zpz42xezdk@host:25060/defaultdb",)"
    R"("password":"wv78n3zpz42xezdk","user":"doadmin"},"users":[{"name":"doadmin","password" : "p\"w"}]})";
  const std::string logged = redact_for_log(token, body);
  EXPECT_EQ(logged.find("dop_v1_abc123"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("wv78n3zpz42xezdk"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("p\\\"w"), std::string::npos) << logged;
  EXPECT_NE(logged.find("postgres://doadmin:***@host:25060/defaultdb"), std::string::npos) << logged;
  EXPECT_NE(logged.find(R"("password":"***")"), std::string::npos) << logged;
}

TEST(ErrorText, DescribeNamesMethodPathStatusIdAndRequestId) {
  ApiError error;
  error.kind = ErrorKind::invalid;
  error.method = "POST";
  error.path = "/v2/droplets";
  error.status = 422;
  error.id = "unprocessable_entity";
  error.message = "Size is not available in this region.";
  error.request_id = "94739105";
  error.hint = "choose another size";
  EXPECT_EQ(error.describe(), "POST /v2/droplets: 422 unprocessable_entity: Size is not available in this region. "
                              "(request id 94739105) - choose another size");
  EXPECT_EQ(make_error(ErrorKind::timeout, "slow").describe(), "slow");
}

TEST(LogFormat, OneLinePerEventWithBodyBelow) {
  LogEntry entry{LogEntry::Kind::response, "GET", "http://127.0.0.1:1/v2/account", 2, 200, 12ms, "{}", "x"};
  EXPECT_EQ(format_log_entry(entry), "<- 200 GET http://127.0.0.1:1/v2/account in 12 ms (attempt 2)\n   x\n   {}");
}

TEST(Query, EncodingOfTagsAndPathSegments) {
  EXPECT_EQ(with_query("/v2/droplets", "tag_name", "fpctl:demo"), "/v2/droplets?tag_name=fpctl%3Ademo");
  EXPECT_EQ(with_query("/v2/droplets?page=2", "per_page", "200"), "/v2/droplets?page=2&per_page=200");
  EXPECT_EQ(path_segment("3b:16:bf"), "3b:16:bf");
  EXPECT_EQ(path_segment("a/b c"), "a%2Fb%20c");
}

TEST(ClientOptions, RefusedBeforeAnyRequest) {
  ClientOptions options;
  options.base_url = "http://example.com";
  options.token = Token("t");
  auto client = Client::create(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind, ErrorKind::config);

  options.base_url = "http://127.0.0.1:1";
  options.token = Token();
  client = Client::create(options);
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().describe().find("DIGITALOCEAN_TOKEN"), std::string::npos);
}

} // namespace
} // namespace fp::cloud
