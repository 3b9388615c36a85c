#include "client.hpp"

#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "http_transport.hpp"
#include "redact.hpp"

namespace fp::cloud {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t k_max_pages = 1000; // 200,000 objects: far beyond any account fpctl manages

std::string clock_time(std::chrono::system_clock::time_point at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S UTC", &tm);
  return text;
}

std::string seconds_text(std::chrono::milliseconds duration) {
  const auto tenths = (duration.count() + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

std::string shortened(const std::string& text, std::size_t limit = 300) {
  if (text.size() <= limit) return text;
  return text.substr(0, limit) + "...";
}

std::string path_only(const std::string& path) { return path.substr(0, path.find('?')); }

// The error for a non-2xx answer: DigitalOcean's {id, message, request_id} when the body has them,
// the x-request-id header otherwise, the raw body when it is not JSON (a proxy's HTML page).
ApiError error_from_response(const std::string& method, const std::string& path, const detail::HttpResponse& response) {
  ApiError error;
  error.method = method;
  error.path = path;
  error.status = static_cast<int>(response.status);
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    if (body.contains("id") && body["id"].is_string()) error.id = body["id"].get<std::string>();
    if (body.contains("message") && body["message"].is_string()) error.message = body["message"].get<std::string>();
    // POST /v2/tags answers 400 in another shape: {"error": ..., "root_causes": [...]}.
    if (error.message.empty() && body.contains("error") && body["error"].is_string())
      error.message = body["error"].get<std::string>();
    if (body.contains("request_id") && body["request_id"].is_string())
      error.request_id = body["request_id"].get<std::string>();
  } else if (!response.body.empty()) {
    error.message = shortened(response.body);
  }
  if (error.request_id.empty()) error.request_id = response.header("x-request-id");
  const long status = response.status;
  if (status == 401) {
    error.kind = ErrorKind::unauthorized;
    error.hint = "the API token is missing, wrong, expired or revoked: create a new one at "
                 "https://cloud.digitalocean.com/account/api/tokens and set DIGITALOCEAN_TOKEN";
  } else if (status == 403) {
    error.kind = ErrorKind::forbidden;
    error.hint = method == "GET" ? "the token lacks the read scope for this resource: use a token with read access to it"
                                 : "the token may be read-only or lack this resource's create/update/delete scope: "
                                   "create a token with write scope (Full Access, or Custom Scopes that include it)";
  } else if (status == 404) {
    error.kind = ErrorKind::not_found;
  } else if (status == 409) {
    error.kind = ErrorKind::conflict;
  } else if (status == 400 || status == 422) {
    error.kind = ErrorKind::invalid;
  } else if (status == 429) {
    error.kind = ErrorKind::rate_limited;
  } else if (status >= 500) {
    error.kind = ErrorKind::server;
  } else {
    error.kind = ErrorKind::http;
  }
  if (error.message.empty()) error.message = "HTTP " + std::to_string(status) + " with an empty body";
  return error;
}

} // namespace

struct Client::Impl {
  Impl(ClientOptions opts, std::string url)
      : options(std::move(opts)), base_url(std::move(url)),
        transport(detail::TransportOptions{options.connect_timeout, options.request_timeout, options.user_agent},
                  options.token),
        limiter(options.rate_limit), random(std::random_device{}()) {}

  ClientOptions options;
  std::string base_url;
  detail::HttpTransport transport;
  RateLimiter limiter;
  std::mutex log_mutex;
  std::mutex random_mutex;
  std::mt19937_64 random;

  void log(LogEntry entry) {
    if (!options.log) return;
    entry.url = redact_for_log(options.token, std::move(entry.url));
    entry.body = redact_for_log(options.token, std::move(entry.body));
    entry.note = redact_for_log(options.token, std::move(entry.note));
    std::lock_guard lock(log_mutex);
    options.log(entry);
  }

  std::chrono::milliseconds jittered_backoff(int retry) {
    std::lock_guard lock(random_mutex);
    return backoff_delay(options.retry, retry, random);
  }

  tl::expected<Response, ApiError> send(const std::string& method, const std::string& path,
                                        const std::optional<std::string>& body, Replay replay);
};

tl::expected<Response, ApiError> Client::Impl::send(const std::string& method, const std::string& path,
                                                    const std::optional<std::string>& body, Replay replay) {
  const std::string url = base_url + path;
  const auto started = Clock::now();
  const auto deadline = started + options.retry.max_total;
  const int max_attempts = std::max(1, options.retry.max_attempts);
  ApiError last_error;

  auto give_up = [&](ApiError error, int attempts) {
    error.message += " (gave up after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
                     " in " + seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)) +
                     ")";
    return tl::unexpected(std::move(error));
  };
  // Sleeps `delay` unless that would pass the deadline; false means "give up now".
  auto wait = [&](std::chrono::milliseconds delay, const std::string& why, int attempt) {
    if (delay < 0ms) delay = 0ms;
    if (Clock::now() + delay > deadline) return false;
    // Logged even when the jitter drew 0 ms: the log explains every retry.
    log(LogEntry{LogEntry::Kind::wait, method, url, attempt, 0, delay, {}, why});
    if (delay == 0ms) return true;
    std::this_thread::sleep_for(delay);
    return true;
  };

  for (int attempt = 1;; ++attempt) {
    const auto pacing = limiter.reserve(method, path_only(path), std::chrono::system_clock::now());
    if (pacing > 0ms && !wait(pacing, "pacing under the API's rate limits", attempt)) {
      ApiError error = make_error(ErrorKind::rate_limited,
                                  "the token's rate limit leaves no room for this request before " +
                                    clock_time(std::chrono::system_clock::now() + pacing),
                                  "wait a few minutes (other tools using the same token count too), then run again");
      error.method = method;
      error.path = path;
      return tl::unexpected(std::move(error));
    }
    std::string note = "Authorization: Bearer [REDACTED]";
    if (body) note += ", Content-Type: application/json";
    log(LogEntry{LogEntry::Kind::request, method, url, attempt, 0, 0ms, body.value_or(""), note});

    auto result = transport.perform(detail::HttpRequest{method, url, body});
    std::chrono::milliseconds delay{0};
    std::string why;
    if (!result) {
      const auto& failure = result.error();
      log(LogEntry{LogEntry::Kind::failure, method, url, attempt, 0, failure.elapsed, {}, failure.message});
      ApiError error = make_error(ErrorKind::network, failure.message,
                                  failure.timed_out
                                    ? "no answer within the timeout: check the network, or raise the timeout"
                                    : "check the network connection and the API URL " + base_url);
      error.method = method;
      error.path = path;
      if (replay == Replay::create && failure.request_sent) {
        error.kind = ErrorKind::outcome_unknown;
        error.message = "the request was sent but its answer was lost (" + failure.message + ")";
        error.hint = "the resource may or may not have been created: look for it by name and tag before "
                     "creating it again";
        return tl::unexpected(std::move(error));
      }
      last_error = std::move(error);
      delay = jittered_backoff(attempt);
      why = "retrying after a network error";
    } else {
      const auto& response = *result;
      const RateLimitInfo info = parse_rate_limit(response.headers);
      // A 429 with retry-after says exactly when to come back (the burst limit); its hourly figures
      // must not hold back that retry until the hourly reset.
      if (!(response.status == 429 && !response.header("retry-after").empty())) limiter.observe(info);
      std::string response_note;
      if (info.remaining)
        response_note = "ratelimit-remaining: " + std::to_string(*info.remaining) +
                        (info.limit ? "/" + std::to_string(*info.limit) : std::string());
      if (!response.header("x-request-id").empty())
        response_note += (response_note.empty() ? "" : ", ") + std::string("x-request-id: ") +
                         response.header("x-request-id");
      log(LogEntry{LogEntry::Kind::response, method, url, attempt, response.status, response.elapsed,
                   shortened(response.body, 64 * 1024), response_note});

      if (response.status >= 200 && response.status < 300) {
        Response out;
        out.status = response.status;
        out.request_id = response.header("x-request-id");
        if (!response.body.empty()) {
          out.body = nlohmann::json::parse(response.body, nullptr, false);
          if (out.body.is_discarded()) {
            ApiError error = make_error(ErrorKind::bad_response,
                                        "the API answered " + std::to_string(response.status) +
                                          " with a body that is not JSON: " + shortened(response.body, 200),
                                        "check that the API URL " + base_url + " points at the DigitalOcean API");
            error.method = method;
            error.path = path;
            error.status = static_cast<int>(response.status);
            return tl::unexpected(std::move(error));
          }
        }
        return out;
      }

      ApiError error = error_from_response(method, path, response);
      if (!is_retryable_status(response.status)) return tl::unexpected(std::move(error));
      if (response.status != 429 && replay == Replay::create) {
        error.kind = ErrorKind::outcome_unknown;
        error.hint = "a " + std::to_string(response.status) +
                     " to a create does not say whether it happened: look for the resource by name and tag "
                     "before creating it again";
        return tl::unexpected(std::move(error));
      }
      if (response.status == 429) {
        // A 429 is a refusal before any work, so even a create may be sent again.
        if (const auto after = parse_retry_after(response.header("retry-after"), std::chrono::system_clock::now())) {
          delay = *after;
          why = "429: the API asked to retry after " + response.header("retry-after") + " s";
        } else if (info.remaining && *info.remaining == 0 && info.reset) {
          delay = std::max(0ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  *info.reset - std::chrono::system_clock::now()));
          why = "429: the hourly limit is used up until " + clock_time(*info.reset);
          error.hint = "the token's hourly limit of " + std::to_string(info.limit.value_or(5000)) +
                       " requests is used up; a request slot frees at " + clock_time(*info.reset);
        } else {
          delay = jittered_backoff(attempt);
          why = "429 without retry-after: backing off";
        }
      } else {
        delay = jittered_backoff(attempt);
        why = "retrying after " + std::to_string(response.status);
      }
      last_error = std::move(error);
    }
    if (attempt >= max_attempts || !wait(delay, why, attempt + 1)) return give_up(std::move(last_error), attempt);
  }
}

Client::Client(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

tl::expected<Client, ApiError> Client::create(ClientOptions options) {
  auto url = check_base_url(options.base_url);
  if (!url) return tl::unexpected(url.error());
  if (options.token.empty())
    return tl::unexpected(make_error(ErrorKind::config, "no DigitalOcean API token was given",
                                     "set DIGITALOCEAN_TOKEN (see find_token for the lookup order)"));
  if (options.connect_timeout <= 0ms || options.request_timeout <= 0ms)
    return tl::unexpected(make_error(ErrorKind::config, "API timeouts must be positive"));
  if (options.parallelism == 0) options.parallelism = 1;
  return Client(std::make_unique<Impl>(std::move(options), std::move(*url)));
}

tl::expected<Response, ApiError> Client::get(const std::string& path) {
  return m_impl->send("GET", path, std::nullopt, Replay::safe);
}

tl::expected<Response, ApiError> Client::post(const std::string& path, const nlohmann::json& body, Replay replay) {
  return m_impl->send("POST", path, body.dump(), replay);
}

tl::expected<Response, ApiError> Client::put(const std::string& path, const nlohmann::json& body) {
  return m_impl->send("PUT", path, body.dump(), Replay::safe);
}

tl::expected<Response, ApiError> Client::del(const std::string& path) {
  return m_impl->send("DELETE", path, std::nullopt, Replay::safe);
}

tl::expected<std::vector<nlohmann::json>, ApiError> Client::list(const std::string& path, const std::string& key) {
  std::vector<nlohmann::json> items;
  std::string page_path = with_query(path, "per_page", "200");
  for (std::size_t pages = 1;; ++pages) {
    auto response = get(page_path);
    if (!response) return tl::unexpected(response.error());
    const auto& body = response->body;
    auto bad = [&](const std::string& what) {
      ApiError error = make_error(ErrorKind::bad_response, what);
      error.method = "GET";
      error.path = page_path;
      return tl::unexpected(std::move(error));
    };
    if (!body.is_object()) return bad("expected a JSON object with \"" + key + "\"");
    if (body.contains(key) && !body[key].is_null()) {
      if (!body[key].is_array()) return bad("\"" + key + "\" is not a list");
      for (const auto& item : body[key]) items.push_back(item);
    }
    const nlohmann::json* next = nullptr;
    if (body.contains("links") && body["links"].is_object() && body["links"].contains("pages") &&
        body["links"]["pages"].is_object() && body["links"]["pages"].contains("next") &&
        body["links"]["pages"]["next"].is_string())
      next = &body["links"]["pages"]["next"];
    if (next == nullptr) return items;
    const std::string next_url = next->get<std::string>();
    // Rebased on our base URL: the token is only ever sent where the user pointed the client.
    std::string next_path = next_url.starts_with(m_impl->base_url) ? next_url.substr(m_impl->base_url.size())
                                                                    : path_of_url(next_url);
    if (next_path.empty() || next_path == page_path || pages >= k_max_pages)
      return bad("pagination does not end (next page " + next_url + ")");
    page_path = std::move(next_path);
  }
}

RateLimitInfo Client::rate_limit() const { return m_impl->limiter.last(); }
long Client::connections_opened() const { return m_impl->transport.connections_opened(); }
std::size_t Client::parallelism() const { return m_impl->options.parallelism; }
const std::string& Client::base_url() const { return m_impl->base_url; }

namespace {

std::string percent_encode(std::string_view text, std::string_view keep) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0x0F];
    }
  }
  return out;
}

} // namespace

std::string url_encode(std::string_view text) { return percent_encode(text, ""); }
std::string path_segment(std::string_view text) { return percent_encode(text, ":@"); }

std::string with_query(std::string path, std::string_view name, std::string_view value) {
  path += path.find('?') == std::string::npos ? '?' : '&';
  path += name;
  path += '=';
  path += url_encode(value);
  return path;
}

} // namespace fp::cloud
