#include "curl_handles.hpp"

namespace fp::cloud::detail {

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlEasy make_easy() {
  ensure_curl_initialised();
  return CurlEasy(curl_easy_init());
}

CurlHeaders& CurlHeaders::operator=(CurlHeaders&& other) noexcept {
  if (this != &other) {
    curl_slist_free_all(m_list);
    m_list = other.m_list;
    other.m_list = nullptr;
  }
  return *this;
}

bool CurlHeaders::append(const std::string& line) {
  curl_slist* grown = curl_slist_append(m_list, line.c_str());
  if (grown == nullptr) return false;
  m_list = grown;
  return true;
}

CurlShare::CurlShare() {
  ensure_curl_initialised();
  m_share = curl_share_init();
  if (m_share == nullptr) return; // handles then simply work unshared
  curl_share_setopt(m_share, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(m_share, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(m_share, CURLSHOPT_USERDATA, this);
  curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

CurlShare::~CurlShare() {
  if (m_share != nullptr) curl_share_cleanup(m_share);
}

void CurlShare::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<CurlShare*>(self)->m_locks[static_cast<std::size_t>(data)].lock();
}

void CurlShare::unlock(CURL*, curl_lock_data data, void* self) {
  static_cast<CurlShare*>(self)->m_locks[static_cast<std::size_t>(data)].unlock();
}

} // namespace fp::cloud::detail
