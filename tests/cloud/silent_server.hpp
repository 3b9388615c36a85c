// A loopback TCP server that reads each request and then never answers it: it either closes the
// connection (an answer lost after the request was sent) or keeps it open until the client's
// timeout. DigitalOcean's simulator always answers, so these network failures need their own
// stand-in. Every wait here is bounded; the thread is joined on destruction.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace fp::cloud::test {

class SilentServer {
public:
  enum class Mode { close_after_request, hold_open };
  explicit SilentServer(Mode mode);
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int requests_seen() const { return m_requests.load(); }

private:
  void run();
  Mode m_mode;
  int m_listener = -1;
  unsigned short m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_requests{0};
  std::thread m_thread;
};

} // namespace fp::cloud::test
