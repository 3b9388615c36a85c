// Helpers for the engine's tests: scenarios built in code, an observer that keeps what it is told,
// and ScriptedServer — a tiny HTTP/1.1 server on loopback (plain sockets, a thread per connection)
// that misbehaves on request: errors, resets, closes, stalls, slow answers, pauses of the whole
// server, odd framings; it records every request it reads with the time and the connection.
#pragma once

#include "run.hpp"
#include "scenario.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fp::bench::enginetest {

using SteadyTime = std::chrono::steady_clock::time_point;

// ------------------------------------------------------------------------------------ scenarios

inline RequestSpec request(const std::string& method, const std::string& path,
                           std::optional<std::string> body = std::nullopt) {
  RequestSpec spec;
  spec.method = method;
  auto compiled = Template::compile(path);
  if (!compiled) throw std::runtime_error(compiled.error());
  spec.path = std::move(*compiled);
  if (body) {
    auto compiled_body = Template::compile(*body);
    if (!compiled_body) throw std::runtime_error(compiled_body.error());
    spec.body = std::move(*compiled_body);
  }
  spec.name = path;
  return spec;
}

inline Task task(std::vector<RequestSpec> requests, std::uint32_t weight = 1) {
  Task t;
  t.name = requests.empty() ? "empty" : requests.front().name;
  t.weight = weight;
  t.requests = std::move(requests);
  return t;
}

inline Scenario scenario(std::vector<Task> tasks, ThinkTime think = {}, std::vector<RequestSpec> on_start = {}) {
  Scenario s;
  s.name = "test";
  s.source = "engine tests";
  s.think = think;
  s.tasks = std::move(tasks);
  s.on_start = std::move(on_start);
  assign_stats_keys(s);
  return s;
}

inline ThinkTime think(ThinkTime::Kind kind, double a, double b = 0) {
  ThinkTime t;
  t.kind = kind;
  t.a = a;
  t.b = b;
  return t;
}

// One task of one GET.
inline Scenario get_only(const std::string& path, ThinkTime think_time = {}) {
  return scenario({task({request("GET", path)})}, think_time);
}

inline RunOptions closed_run(const std::string& url, Scenario s, std::uint32_t users, double spawn_rate) {
  RunOptions options;
  options.target = url;
  options.scenario = std::move(s);
  options.model = ClosedModel{users, spawn_rate};
  options.seed = 42;
  return options;
}

inline RunOptions open_run(const std::string& url, Scenario s, double rate, std::uint32_t connections) {
  RunOptions options;
  options.target = url;
  options.scenario = std::move(s);
  OpenModel model;
  model.start_rate = rate;
  model.connections = connections;
  options.model = model;
  options.seed = 42;
  return options;
}

inline const EndpointStats& stats_of(const RunResult& result, const std::string& method, const std::string& name) {
  for (std::size_t i = 0; i < result.keys.size(); ++i) {
    if (result.keys[i].method == method && result.keys[i].name == name) return result.per_key.at(i);
  }
  throw std::runtime_error("no statistics for " + method + " " + name);
}

inline std::uint64_t failures_of(const RunResult& result, FailureKind kind) {
  const auto it = result.failures_by_kind.find(kind);
  return it == result.failures_by_kind.end() ? 0 : it->second;
}

class CollectingObserver : public RunObserver {
public:
  void on_second(const SecondSample& sample, std::chrono::nanoseconds elapsed) override {
    std::lock_guard lock(m_mutex);
    seconds.push_back(sample);
    elapsed_at.push_back(elapsed);
  }
  void on_warning(const std::string& message) override {
    std::lock_guard lock(m_mutex);
    warnings.push_back(message);
  }
  std::vector<SecondSample> seconds;
  std::vector<std::chrono::nanoseconds> elapsed_at;
  std::vector<std::string> warnings;

private:
  std::mutex m_mutex;
};

// Runs the load with a stop flag nobody sets.
inline RunResult run(const RunOptions& options, RunObserver* observer = nullptr) {
  CollectingObserver ignored;
  const std::atomic<bool> stop{false};
  auto result = run_load(options, observer ? *observer : ignored, stop);
  if (!result) throw std::runtime_error("run_load: " + result.error());
  return std::move(*result);
}

// ------------------------------------------------------------------------------- ScriptedServer

struct SeenRequest {
  std::string method;
  std::string target;
  std::string body;
  std::size_t connection = 0; // in order of acceptance, from 0
  SteadyTime at;              // when the whole request had been read
};

struct Reply {
  enum class Kind { respond, reset, close, stall, garbage, partial };
  Kind kind = Kind::respond;
  unsigned status = 200;
  std::string body = R"({"ok":true})";
  std::chrono::milliseconds delay{0};       // before answering
  std::chrono::milliseconds pause_all{0};   // the whole server stops answering this long, from now
  bool connection_close = false;            // "Connection: close" and close after the answer
  bool chunked = false;                     // the body in two chunks
  bool close_delimited = false;             // no length: the body ends when the connection closes
  std::optional<std::size_t> head_length;   // HEAD: the Content-Length announced, no body sent
  std::chrono::milliseconds close_idle_after{-1}; // close the kept-alive connection this long after answering
  std::vector<std::pair<std::string, std::string>> headers;
};

inline Reply misbehave(Reply::Kind kind) {
  Reply reply;
  reply.kind = kind;
  return reply;
}

class ScriptedServer {
public:
  using Script = std::function<Reply(const SeenRequest&, std::size_t index)>;

  explicit ScriptedServer(Script script) : m_script(std::move(script)) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(m_listener, 1024) != 0 ||
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(m_listener);
      throw std::runtime_error("ScriptedServer: cannot listen");
    }
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
  }

  ~ScriptedServer() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
      for (const int fd : m_open) ::shutdown(fd, SHUT_RDWR);
    }
    m_wake.notify_all();
    ::shutdown(m_listener, SHUT_RDWR);
    m_acceptor.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(m_mutex);
      threads.swap(m_threads);
    }
    for (auto& thread : threads) thread.join();
    ::close(m_listener);
  }

  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  unsigned short port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }
  std::size_t connections() const {
    std::lock_guard lock(m_mutex);
    return m_accepted;
  }

private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
      std::lock_guard lock(m_mutex);
      if (fd < 0 || m_stopping) {
        if (fd >= 0) ::close(fd);
        return;
      }
      const std::size_t id = m_accepted++;
      m_open.push_back(fd);
      m_threads.emplace_back([this, fd, id] { serve(fd, id); });
    }
  }

  // Waits until `until` or the server stops; false when it stops.
  bool wait_until(SteadyTime until) {
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_until(lock, until, [this] { return m_stopping; });
  }

  static bool write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  static std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  }

  void serve(int fd, std::size_t id) {
    std::string buffer;
    char chunk[16384];
    bool open = true;
    while (open) {
      // One request: head, then Content-Length bytes of body.
      std::size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) return finish(fd);
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      SeenRequest seen;
      const std::string head = buffer.substr(0, head_end);
      const auto first_space = head.find(' ');
      const auto second_space = head.find(' ', first_space + 1);
      seen.method = head.substr(0, first_space);
      seen.target = head.substr(first_space + 1, second_space - first_space - 1);
      std::size_t content_length = 0;
      const std::string lowered = lower(head);
      if (const auto at = lowered.find("\r\ncontent-length:"); at != std::string::npos)
        content_length = std::stoul(head.substr(at + 17));
      while (buffer.size() < head_end + 4 + content_length) {
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) return finish(fd);
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      seen.body = buffer.substr(head_end + 4, content_length);
      buffer.erase(0, head_end + 4 + content_length);
      seen.connection = id;
      seen.at = std::chrono::steady_clock::now();
      std::size_t index = 0;
      {
        std::lock_guard lock(m_mutex);
        index = m_seen.size();
        m_seen.push_back(seen);
      }
      const Reply reply = m_script(seen, index);
      open = answer(fd, seen, reply);
    }
    finish(fd);
  }

  // False when the connection is closed afterwards.
  bool answer(int fd, const SeenRequest& seen, const Reply& reply) {
    const SteadyTime now = std::chrono::steady_clock::now();
    SteadyTime paused_until;
    {
      std::lock_guard lock(m_mutex);
      if (reply.pause_all.count() > 0) m_paused_until = std::max(m_paused_until, now + reply.pause_all);
      paused_until = m_paused_until;
    }
    if (!wait_until(std::max(paused_until, now + reply.delay))) return false;
    switch (reply.kind) {
    case Reply::Kind::stall:
      wait_until(SteadyTime::max());
      return false;
    case Reply::Kind::reset: {
      const linger abort{1, 0}; // close with RST
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
      return false;
    }
    case Reply::Kind::close:
      return false;
    case Reply::Kind::garbage:
      write_all(fd, "this is not HTTP at all\r\n\r\n");
      return false;
    case Reply::Kind::partial:
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"only\":\"part\"");
      return false;
    case Reply::Kind::respond:
      break;
    }
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\nContent-Type: application/json\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    if (reply.connection_close) out += "Connection: close\r\n";
    if (seen.method == "HEAD") {
      out += "Content-Length: " + std::to_string(reply.head_length.value_or(reply.body.size())) + "\r\n\r\n";
    } else if (reply.chunked) {
      const std::size_t half = reply.body.size() / 2;
      const auto hex = [](std::size_t n) {
        char text[32];
        std::snprintf(text, sizeof(text), "%zx", n);
        return std::string(text);
      };
      out += "Transfer-Encoding: chunked\r\n\r\n";
      out += hex(half) + "\r\n" + reply.body.substr(0, half) + "\r\n";
      out += hex(reply.body.size() - half) + "\r\n" + reply.body.substr(half) + "\r\n0\r\n\r\n";
    } else if (reply.close_delimited) {
      out += "Connection: close\r\n\r\n" + reply.body;
    } else {
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
    }
    if (!write_all(fd, out)) return false;
    if (reply.close_delimited || reply.connection_close) return false;
    if (reply.close_idle_after.count() >= 0) {
      wait_until(std::chrono::steady_clock::now() + reply.close_idle_after);
      return false;
    }
    return true;
  }

  void finish(int fd) {
    std::lock_guard lock(m_mutex);
    m_open.erase(std::remove(m_open.begin(), m_open.end(), fd), m_open.end());
    ::close(fd);
  }

  Script m_script;
  int m_listener = -1;
  unsigned short m_port = 0;
  std::thread m_acceptor;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::vector<int> m_open;
  std::vector<std::thread> m_threads;
  std::vector<SeenRequest> m_seen;
  std::size_t m_accepted = 0;
  SteadyTime m_paused_until{};
};

} // namespace fp::bench::enginetest
