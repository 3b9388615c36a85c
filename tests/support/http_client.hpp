// A small blocking HTTP/1.1 client for tests: keep-alive, raw bytes when a test needs to send
// malformed requests, responses parsed by Boost.Beast (chunked bodies decoded). Every read and
// write has a timeout so a test never hangs.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fp::test {

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers; // names in lowercase
  std::string body;
  bool chunked = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
public:
  explicit HttpClient(unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends a request (Content-Type: application/json when a body is given and no Content-Type is)
  // and reads the response; reconnects if the previous response closed the connection.
  HttpResponse request(std::string_view method, std::string_view target, std::optional<std::string_view> body = {},
                       const Headers& headers = {});
  HttpResponse get(std::string_view target) { return request("GET", target); }
  HttpResponse post(std::string_view target, std::string_view body) { return request("POST", target, body); }
  HttpResponse put(std::string_view target, std::string_view body) { return request("PUT", target, body); }
  HttpResponse del(std::string_view target) { return request("DELETE", target); }

  // Writes bytes as they are; read_response() then reads one response (nullopt if the server
  // closed the connection or the timeout passed without one).
  void send_raw(std::string_view bytes);
  std::optional<HttpResponse> read_response(bool head_request = false);
  // True when the server has closed the connection (reads EOF within the timeout).
  bool peer_closed(std::chrono::milliseconds wait = std::chrono::seconds(5));
  void close();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace fp::test
