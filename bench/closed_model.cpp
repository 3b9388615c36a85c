// Locust's closed model: `users` users started at `spawn_rate` per second over all threads (user k
// at k / spawn_rate seconds, on thread k mod threads), each with its own keep-alive connection,
// running on_start once and then task → think time → task until the run ends. The ramp counts
// against the run time, as in Locust.
#include "worker.hpp"

#include <algorithm>
#include <cmath>

namespace fp::bench {
namespace {

constexpr std::uint64_t k_spawn_token = 16;  // Worker::k_first_model_token
constexpr std::uint64_t k_think_token = 1;   // a user's think time is over

// Think times and spawns may end a little late, so that the timers of thousands of users due close
// together share one wake-up of the loop: every wake-up is a context switch, and at 20,000 users
// those, not the requests, were most of the generator's CPU (perf: finish_task_switch). The window
// is 0.5 % of the mean think time (2 s -> 10 ms, which moves the mean wait by 0.25 %), never more
// than 10 ms nor less than 1 ms. Locust's own gevent timers are far coarser.
std::chrono::nanoseconds timer_coalescing(const ThinkTime& think) {
  const double window = std::clamp(think.mean_seconds() * 0.005, 0.001, 0.010);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(window));
}

class ClosedWorker;

class User final : public Session {
public:
  User(Worker& worker, std::uint64_t seed) : Session(worker, seed) {}

  void start(TimePoint now) {
    const PreparedScenario& prepared = *m_worker.plan().prepared;
    if (prepared.on_start.empty()) return next_task(now);
    m_in_on_start = true;
    run_sequence(prepared.on_start, now, now);
  }

private:
  void next_task(TimePoint now) {
    const Scenario& scenario = *m_worker.plan().scenario;
    const Task& task = scenario.pick_task(m_user);
    const auto index = static_cast<std::size_t>(&task - scenario.tasks.data());
    m_task_started = now;
    run_sequence(m_worker.plan().prepared->tasks[index], now, now);
  }

  void on_sequence_done(TimePoint now) override {
    if (m_in_on_start) {
      m_in_on_start = false; // Locust starts the first task right after on_start, without a wait
      return next_task(now);
    }
    const auto wait = m_worker.plan().scenario->think.next(now - m_task_started, m_user.random);
    if (wait <= std::chrono::nanoseconds(0)) return next_task(now);
    m_worker.loop().schedule(now + wait, *this, k_think_token);
  }

  void on_session_timer(std::uint64_t token) override {
    if (token == k_think_token && m_worker.accepting()) next_task(EventLoop::now());
  }

  TimePoint m_task_started{};
  bool m_in_on_start = false;
};

class ClosedWorker final : public Worker {
public:
  ClosedWorker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota, EventLoop loop,
               const ClosedModel& model)
    : Worker(plan, index, quota, std::move(loop)), m_model(model), m_next_user(index) {
    this->loop().set_timer_coalescing(timer_coalescing(plan.scenario->think));
    if (m_next_user < model.users) m_users.reserve((model.users - m_next_user + plan.threads - 1) / plan.threads);
  }

private:
  TimePoint spawn_time(std::uint64_t user) const {
    const double seconds = static_cast<double>(user) / m_model.spawn_rate;
    return plan().start + std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  }

  void begin(TimePoint /*now*/) override {
    if (m_next_user < m_model.users) loop().schedule(spawn_time(m_next_user), timer_handler(), k_spawn_token);
  }

  void on_model_timer(std::uint64_t token) override {
    if (token != k_spawn_token || !accepting()) return;
    const TimePoint now = EventLoop::now();
    // Every user whose time has come: a late timer must not slow the ramp down.
    while (m_next_user < m_model.users && spawn_time(m_next_user) <= now && accepting()) {
      auto& user = m_users.emplace_back(std::make_unique<User>(*this, session_seed(m_next_user)));
      ++m_summary.users;
      m_summary.last_spawn = now;
      m_next_user += plan().threads;
      user->start(now);
    }
    if (m_next_user < m_model.users && accepting())
      loop().schedule(spawn_time(m_next_user), timer_handler(), k_spawn_token);
  }

  std::uint32_t users() const override { return m_summary.users; }

  const ClosedModel& m_model;
  std::uint64_t m_next_user; // global index of this thread's next user
  std::vector<std::unique_ptr<User>> m_users;
};

} // namespace

std::unique_ptr<Worker> make_closed_worker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota,
                                           EventLoop loop, const ClosedModel& model) {
  return std::make_unique<ClosedWorker>(plan, index, quota, std::move(loop), model);
}

} // namespace fp::bench
