#include "http_transport.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace fp::cloud::detail {
namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers.clear(); // a new response (after 100 Continue, say): keep only the final one's headers
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  headers[lowercase(std::string(line.substr(0, colon)))] = std::string(value);
  return size * count;
}

// Failures that happen before a single request byte can have reached the server.
bool before_sending(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    return true;
  default:
    return false;
  }
}

long as_long_ms(std::chrono::milliseconds duration) { return static_cast<long>(duration.count()); }

} // namespace

std::string HttpResponse::header(const std::string& lowercase_name) const {
  const auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpTransport::HttpTransport(TransportOptions options, Token token)
    : m_options(std::move(options)), m_token(std::move(token)) {}

CurlEasy HttpTransport::acquire() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_idle.empty()) {
      CurlEasy handle = std::move(m_idle.back());
      m_idle.pop_back();
      return handle;
    }
  }
  return make_easy();
}

void HttpTransport::release(CurlEasy handle) {
  std::lock_guard lock(m_mutex);
  m_idle.push_back(std::move(handle));
}

tl::expected<HttpResponse, TransportFailure> HttpTransport::perform(const HttpRequest& request) {
  CurlEasy handle = acquire();
  if (!handle) return tl::unexpected(TransportFailure{"libcurl could not create a handle (out of memory)", false});
  CURL* curl = handle.get();
  curl_easy_reset(curl); // options only: live connections and caches stay

  CurlHeaders headers;
  bool ok = headers.append(m_token.authorization_header()) && headers.append("Accept: application/json") &&
            headers.append("Expect:"); // no 100-continue round trip before bodies
  if (request.body) ok = ok && headers.append("Content-Type: application/json");
  if (!ok) return tl::unexpected(TransportFailure{"libcurl ran out of memory building headers", false});

  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, m_options.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); // a redirect must never carry the token elsewhere
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, as_long_ms(m_options.connect_timeout));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, as_long_ms(m_options.request_timeout));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (m_share.get() != nullptr) curl_easy_setopt(curl, CURLOPT_SHARE, m_share.get());
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
  }

  const CURLcode code = curl_easy_perform(curl);
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  m_connections += connects;
  double seconds = 0;
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
  response.elapsed = std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
  if (code != CURLE_OK) {
    long request_size = 0;
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
    TransportFailure failure;
    failure.message = curl_easy_strerror(code);
    if (error_buffer[0] != '\0' && failure.message != error_buffer) failure.message += ": " + std::string(error_buffer);
    failure.request_sent = !before_sending(code) && request_size > 0;
    failure.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    failure.elapsed = response.elapsed;
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    release(std::move(handle));
    return tl::unexpected(std::move(failure));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr); // the buffer dies with this frame
  release(std::move(handle));
  return response;
}

} // namespace fp::cloud::detail
