// The DigitalOcean API v2 client: authenticated JSON requests with timeouts, connection reuse,
// pacing under the rate limits, bounded retries with jittered backoff, pagination and a redacted
// verbose log. The typed calls (droplets.hpp, databases.hpp, ...) are built on it.
//
// Retry rules (docs/API-CLIENT.md has the numbers and the reasons):
//   - GET, PUT, DELETE and idempotent POSTs are retried on 429, 500/502/503/504 and network errors.
//   - A create (Replay::create) is retried only when the API certainly did not act on it: a 429, or
//     a connection that never got the request out. A timeout, a dropped connection after sending,
//     or a 5xx returns ErrorKind::outcome_unknown instead: the caller looks for what the first
//     attempt may have created (by name and tag: find_* helpers) before trying again.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "base_url.hpp"
#include "error.hpp"
#include "log.hpp"
#include "rate_limit.hpp"
#include "retry_policy.hpp"
#include "token.hpp"

namespace fp::cloud {

struct ClientOptions {
  std::string base_url{k_default_api_url}; // checked by check_base_url
  Token token;
  std::chrono::milliseconds connect_timeout{10'000}; // per attempt
  std::chrono::milliseconds request_timeout{60'000}; // per attempt, connect included
  RetryPolicy retry;
  RateLimitPolicy rate_limit;
  LogSink log;                                      // optional; receives redacted entries, one at a time
  std::string user_agent = "fpctl/0.1.0";
  std::size_t parallelism = 4;                      // width used by calls that fan out
};

// How a request may be repeated when its answer is lost.
enum class Replay {
  safe,   // GET/PUT/DELETE, and POSTs that are idempotent by themselves (tags)
  create, // a POST that creates something each time it is executed
};

struct Response {
  long status = 0;
  nlohmann::json body; // null for 204 / empty bodies
  std::string request_id;
};

class Client {
public:
  // Checks the options (base URL, token present); makes no request.
  static tl::expected<Client, ApiError> create(ClientOptions options);

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // `path` is "/v2/..." with an optional query; thread-safe.
  tl::expected<Response, ApiError> get(const std::string& path);
  tl::expected<Response, ApiError> post(const std::string& path, const nlohmann::json& body, Replay replay);
  tl::expected<Response, ApiError> put(const std::string& path, const nlohmann::json& body);
  tl::expected<Response, ApiError> del(const std::string& path);

  // Every item of a paginated collection: asks per_page=200 and follows links.pages.next until
  // there is none. `key` is the collection's plural key ("droplets"); null counts as empty. A page
  // that fails fails the whole listing (a short list would look like missing resources).
  tl::expected<std::vector<nlohmann::json>, ApiError> list(const std::string& path, const std::string& key);

  // What the last response said about the hourly window.
  RateLimitInfo rate_limit() const;
  std::size_t parallelism() const;
  // TCP connections opened so far: shows that requests reuse connections.
  long connections_opened() const;
  const std::string& base_url() const;

private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// Appends `name=value` (value percent-encoded) to a path with or without a query.
std::string with_query(std::string path, std::string_view name, std::string_view value);
// Percent-encodes everything but unreserved characters (tags contain ':'), for query values.
std::string url_encode(std::string_view text);
// Percent-encodes for one path segment, keeping ':' as godo sends it (SSH key fingerprints, tags).
std::string path_segment(std::string_view text);

} // namespace fp::cloud
