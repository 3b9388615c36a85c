#include "event_loop.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <unistd.h>

namespace fp::bench {
namespace {

// Events taken per epoll call: enough to amortise the call over many connections.
constexpr std::size_t k_max_events = 256;

} // namespace

void Fd::reset(int fd) {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = fd;
}

tl::expected<EventLoop, std::string> EventLoop::create() {
  Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return tl::unexpected("epoll_create1: " + std::string(std::strerror(errno)));
  return EventLoop(std::move(epoll));
}

EventLoop::EventLoop(Fd epoll)
  : m_epoll(std::move(epoll)), m_events(k_max_events), m_next_probe(now() + k_probe_interval) {}

int EventLoop::add(int fd, std::uint32_t events, IoHandler& handler) {
  epoll_event event{};
  event.events = events;
  event.data.ptr = &handler;
  return ::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : errno;
}

void EventLoop::schedule(TimePoint due, TimerHandler& handler, std::uint64_t token) {
  m_timers.push_back(Timer{due, m_sequence++, &handler, token});
  std::push_heap(m_timers.begin(), m_timers.end(), Later{});
}

void EventLoop::run() {
  m_stopped = false;
  while (!m_stopped) {
    const TimePoint now = EventLoop::now();
    if (now >= m_next_probe) {
      const auto late = std::chrono::duration_cast<std::chrono::microseconds>(now - m_next_probe);
      m_lag.record(static_cast<std::uint64_t>(late.count()));
      m_next_probe = now + k_probe_interval;
    }
    run_due_timers(now);
    if (m_stopped) break;
    wait_for_events(now);
  }
}

void EventLoop::run_due_timers(TimePoint now) {
  // Take every due timer out first: a handler that schedules a timer due now (a deferred failure,
  // a user without think time) must not keep this pass going for ever.
  m_due.clear();
  while (!m_timers.empty() && m_timers.front().due <= now) {
    std::pop_heap(m_timers.begin(), m_timers.end(), Later{});
    m_due.push_back(m_timers.back());
    m_timers.pop_back();
  }
  for (const Timer& timer : m_due) {
    timer.handler->on_timer(timer.token);
    if (m_stopped) return;
  }
}

void EventLoop::wait_for_events(TimePoint now) {
  TimePoint wake = m_next_probe;
  if (!m_timers.empty()) wake = std::min(wake, m_timers.front().due + m_coalescing);
  const auto timeout = std::max(std::chrono::nanoseconds(0), wake - now);
  const int capacity = static_cast<int>(m_events.size());
  int count = -1;
  if (m_precise_wait) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
    count = ::epoll_pwait2(m_epoll.get(), m_events.data(), capacity, &ts, nullptr);
    if (count < 0 && errno == ENOSYS) m_precise_wait = false;
  }
  if (!m_precise_wait) {
    // Millisecond timeouts, rounded up so a timer never fires early.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    count = ::epoll_wait(m_epoll.get(), m_events.data(), capacity, static_cast<int>(ms));
  }
  for (int i = 0; i < count; ++i) {
    const epoll_event& event = m_events[static_cast<std::size_t>(i)];
    static_cast<IoHandler*>(event.data.ptr)->on_io(event.events);
    if (m_stopped) return;
  }
}

} // namespace fp::bench
