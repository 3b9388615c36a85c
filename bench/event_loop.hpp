// One event loop per engine thread (wrk's model): epoll for sockets, a binary heap of timers, the
// monotonic clock, and a probe that measures how late the loop runs its timers (loop lag) — the
// generator's own delay, which would otherwise be reported as server latency.
#pragma once

#include "histogram.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <sys/epoll.h>
#include <tl/expected.hpp>

namespace fp::bench {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// Move-only owner of a file descriptor.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.m_fd, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return m_fd; }
  explicit operator bool() const { return m_fd >= 0; }
  void reset(int fd = -1);

private:
  int m_fd = -1;
};

class IoHandler {
public:
  virtual void on_io(std::uint32_t events) = 0;

protected:
  ~IoHandler() = default;
};

// Timers cannot be cancelled: a handler that no longer wants a timer ignores it when it fires
// (its token says which one it was). That keeps scheduling a heap push and nothing else.
class TimerHandler {
public:
  virtual void on_timer(std::uint64_t token) = 0;

protected:
  ~TimerHandler() = default;
};

class EventLoop {
public:
  // How often the lag probe is due; its lateness is the loop lag.
  static constexpr std::chrono::milliseconds k_probe_interval{10};

  static tl::expected<EventLoop, std::string> create();

  EventLoop(EventLoop&&) noexcept = default;
  EventLoop& operator=(EventLoop&&) noexcept = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop() = default;

  static TimePoint now() { return Clock::now(); }

  // Registers `fd` once for `events` (edge-triggered users pass EPOLLET); returns errno on failure.
  int add(int fd, std::uint32_t events, IoHandler& handler);

  // Runs `handler.on_timer(token)` at `due` or as soon after as the loop gets to it. A timer due now
  // runs in the next pass of the loop, never inside the call that scheduled it.
  void schedule(TimePoint due, TimerHandler& handler, std::uint64_t token);

  // Lets timers run up to `window` late so that those due close together run in one wake-up
  // (default 0: on time). Thousands of thinking users then cost a wake-up per window rather than
  // one per timer; the lag probe is not delayed.
  void set_timer_coalescing(std::chrono::nanoseconds window) { m_coalescing = window; }

  // Runs until stop() is called from a handler.
  void run();
  void stop() { m_stopped = true; }

  // Lateness of the probe, µs, since the loop was created.
  const Histogram& lag() const { return m_lag; }

private:
  struct Timer {
    TimePoint due;
    std::uint64_t sequence; // ties broken by scheduling order
    TimerHandler* handler;
    std::uint64_t token;
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
    }
  };

  explicit EventLoop(Fd epoll);
  void run_due_timers(TimePoint now);
  void wait_for_events(TimePoint now);

  Fd m_epoll;
  std::vector<Timer> m_timers; // a min-heap by (due, sequence)
  std::vector<Timer> m_due;    // scratch: the timers of one pass
  std::vector<epoll_event> m_events;
  std::uint64_t m_sequence = 0;
  TimePoint m_next_probe;
  std::chrono::nanoseconds m_coalescing{0};
  Histogram m_lag;
  bool m_stopped = false;
  bool m_precise_wait = true; // epoll_pwait2 (ns timeouts) works on this kernel
};

} // namespace fp::bench
