#include "silent_server.hpp"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fp::cloud::test {
namespace {

// True once `data` holds a complete request: headers, then Content-Length bytes of body.
bool complete_request(const std::string& data) {
  const auto end = data.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::size_t length = 0;
  for (const char* name : {"Content-Length:", "content-length:"}) {
    const auto at = data.find(name);
    if (at != std::string::npos && at < end) length = std::strtoul(data.c_str() + at + 15, nullptr, 10);
  }
  return data.size() >= end + 4 + length;
}

} // namespace

SilentServer::SilentServer(Mode mode) : m_mode(mode) {
  m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (m_listener < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(m_listener, 16) != 0)
    throw std::runtime_error("bind/listen failed");
  socklen_t length = sizeof address;
  ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length);
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { run(); });
}

SilentServer::~SilentServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_listener);
}

void SilentServer::run() {
  std::vector<int> held;
  while (!m_stop) {
    pollfd listener{m_listener, POLLIN, 0};
    if (::poll(&listener, 1, 50) <= 0) continue;
    const int connection = ::accept(m_listener, nullptr, nullptr);
    if (connection < 0) continue;
    std::string data;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!complete_request(data) && std::chrono::steady_clock::now() < deadline && !m_stop) {
      pollfd readable{connection, POLLIN, 0};
      if (::poll(&readable, 1, 50) <= 0) continue;
      char buffer[4096];
      const auto n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    if (complete_request(data)) ++m_requests;
    if (m_mode == Mode::close_after_request) {
      ::close(connection);
    } else {
      held.push_back(connection);
    }
  }
  for (const int connection : held) ::close(connection);
}

} // namespace fp::cloud::test
