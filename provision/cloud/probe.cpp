#include "probe.hpp"

#include "curl_handles.hpp"

namespace fp::cloud {
namespace {

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

} // namespace

tl::expected<long, std::string> probe_http(const std::string& url, std::chrono::milliseconds timeout) {
  detail::ensure_curl_initialised();
  detail::CurlEasy easy = detail::make_easy();
  if (!easy) return tl::unexpected(std::string("curl is out of memory"));
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(easy.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode code = curl_easy_perform(easy.get());
  if (code != CURLE_OK) return tl::unexpected(std::string(error[0] != '\0' ? error : curl_easy_strerror(code)));
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

} // namespace fp::cloud
