// Move-only owners of libcurl's C handles (private to fp_cloud: no public header includes curl).
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include <curl/curl.h>

namespace fp::cloud::detail {

// curl_global_init once per process, before the first handle (thread-safe).
void ensure_curl_initialised();

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, EasyDeleter>;
CurlEasy make_easy(); // null only when curl is out of memory

// A header list built by appending; owns the curl_slist chain.
class CurlHeaders {
public:
  CurlHeaders() = default;
  CurlHeaders(CurlHeaders&& other) noexcept : m_list(other.m_list) { other.m_list = nullptr; }
  CurlHeaders& operator=(CurlHeaders&& other) noexcept;
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  ~CurlHeaders() { curl_slist_free_all(m_list); }

  bool append(const std::string& line); // false when curl is out of memory
  curl_slist* get() const { return m_list; }

private:
  curl_slist* m_list = nullptr;
};

// A CURLSH that shares the connection cache, DNS cache and TLS sessions between the easy handles
// of one client, so parallel requests reuse each other's connections. Its lock callbacks use one
// mutex per curl_lock_data.
class CurlShare {
public:
  CurlShare();
  ~CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  CURLSH* get() const { return m_share; }

private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlock(CURL*, curl_lock_data data, void* self);
  CURLSH* m_share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> m_locks;
};

} // namespace fp::cloud::detail
