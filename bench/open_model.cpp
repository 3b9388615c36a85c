// The open model: arrivals on a fixed schedule whatever the latency (wrk2, k6's arrival-rate
// executors). Arrival n goes to thread n mod threads; each arrival runs one task on a free
// connection of the thread's pool. With none free it waits in a queue and starts as soon as one
// is, its latency still counted from the intended start — the server's slowness shows instead of
// being hidden (coordinated omission). Late starts and arrivals that never started are counted.
#include "open_model.hpp"

#include "worker.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace fp::bench {
namespace {

constexpr std::uint64_t k_arrival_token = 16; // Worker::k_first_model_token

// A start later than this after its intended time counts as late (GeneratorHealth::late_starts).
constexpr std::chrono::milliseconds k_late_start{1};

// Arrivals waiting for a free connection, per thread; beyond this they are dropped (and counted),
// so a server that stops answering cannot make the generator's memory grow without bound.
constexpr std::size_t k_max_waiting = 1'000'000;

std::chrono::nanoseconds from_seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

} // namespace

ArrivalSchedule::ArrivalSchedule(const OpenModel& model) {
  double rate = model.start_rate;
  double start = 0;
  double before = 0;
  for (const OpenModel::Stage& stage : model.stages) {
    const double length = std::chrono::duration<double>(stage.duration).count();
    if (length > 0) {
      Segment segment{start, length, rate, stage.rate, before};
      before += segment.count();
      start += length;
      m_segments.push_back(segment);
    }
    rate = stage.rate;
  }
  m_final_start = start;
  m_final_before = before;
  m_final_rate = rate;
}

std::optional<std::chrono::nanoseconds> ArrivalSchedule::due(std::uint64_t n) const {
  const double x = static_cast<double>(n);
  // The segment where the count reaches x; segments are few (the stages).
  for (const Segment& segment : m_segments) {
    const double within = x - segment.before;
    if (within > segment.count()) continue;
    if (within <= 0) return from_seconds(segment.start);
    // within = from·τ + (to − from)/(2·length)·τ², solved for τ in the form that stays exact when
    // the ramp is flat (a → 0): τ = 2·within / (from + √(from² + 4·a·within)).
    const double a = (segment.to - segment.from) / (2 * segment.length);
    const double root = std::sqrt(std::max(0.0, segment.from * segment.from + 4 * a * within));
    const double denominator = segment.from + root;
    const double tau = denominator > 0 ? 2 * within / denominator : 0;
    return from_seconds(segment.start + std::min(tau, segment.length));
  }
  if (m_final_rate <= 0) return std::nullopt;
  return from_seconds(m_final_start + std::max(0.0, x - m_final_before) / m_final_rate);
}

double ArrivalSchedule::expected(std::chrono::nanoseconds t) const {
  const double seconds = std::chrono::duration<double>(t).count();
  for (const Segment& segment : m_segments) {
    if (seconds > segment.start + segment.length) continue;
    const double tau = std::max(0.0, seconds - segment.start);
    return segment.before + segment.from * tau + (segment.to - segment.from) / (2 * segment.length) * tau * tau;
  }
  return m_final_before + m_final_rate * std::max(0.0, seconds - m_final_start);
}

namespace {

class OpenWorker;

// One connection of the pool, with a user's state (variables persist across its iterations, as a
// k6 VU's do); on_start runs once, before its first task.
class Slot final : public Session {
public:
  Slot(OpenWorker& worker, std::uint64_t seed);
  void start(TimePoint intended, TimePoint now);

private:
  void run_task(TimePoint intended, TimePoint now) {
    const Scenario& scenario = *m_worker.plan().scenario;
    const Task& task = scenario.pick_task(m_user);
    const auto index = static_cast<std::size_t>(&task - scenario.tasks.data());
    run_sequence(m_worker.plan().prepared->tasks[index], intended, now);
  }
  void on_sequence_done(TimePoint now) override;
  void on_session_timer(std::uint64_t /*token*/) override {}

  OpenWorker& m_owner;
  bool m_started = false;
  bool m_in_on_start = false;
};

class OpenWorker final : public Worker {
public:
  OpenWorker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota, EventLoop loop,
             const OpenModel& model)
    : Worker(plan, index, quota, std::move(loop)), m_schedule(model), m_next(index) {
    const auto threads = static_cast<std::uint32_t>(plan.threads);
    const std::uint32_t slots = model.connections / threads + (index < model.connections % threads ? 1 : 0);
    m_slots.reserve(slots);
    for (std::uint32_t i = 0; i < slots; ++i) m_slots.push_back(std::make_unique<Slot>(*this, session_seed(i)));
    // Taken from the back: the most recently used connection first, so a low rate keeps few open.
    for (auto it = m_slots.rbegin(); it != m_slots.rend(); ++it) m_free.push_back(it->get());
  }

  void slot_free(Slot& slot, TimePoint now) {
    if (accepting() && quota_left() && !m_waiting.empty()) {
      const TimePoint intended = m_waiting.front();
      m_waiting.pop_front();
      return start(slot, intended, now);
    }
    m_free.push_back(&slot);
  }

private:
  void begin(TimePoint /*now*/) override { schedule_next(); }

  void schedule_next() {
    const auto due = m_schedule.due(m_next);
    if (!due) return; // the rate stays 0: no more arrivals
    m_next_due = plan().start + *due;
    loop().schedule(m_next_due, timer_handler(), k_arrival_token);
  }

  void on_model_timer(std::uint64_t token) override {
    if (token != k_arrival_token) return;
    const TimePoint now = EventLoop::now();
    // Every arrival due by now, each with its own intended time: a late timer delays the starts
    // but the latencies still count from when each should have started.
    for (;;) {
      if (!accepting() || !quota_left()) return;
      arrive(m_next_due, now);
      m_next += plan().threads;
      const auto due = m_schedule.due(m_next);
      if (!due) return;
      m_next_due = plan().start + *due;
      if (m_next_due > now) break;
    }
    loop().schedule(m_next_due, timer_handler(), k_arrival_token);
  }

  void arrive(TimePoint intended, TimePoint now) {
    if (!m_free.empty()) {
      Slot* slot = m_free.back();
      m_free.pop_back();
      return start(*slot, intended, now);
    }
    if (m_waiting.size() < k_max_waiting) {
      m_waiting.push_back(intended);
    } else {
      ++m_summary.dropped_starts;
    }
  }

  void start(Slot& slot, TimePoint intended, TimePoint now) {
    if (now - intended > k_late_start) ++m_summary.late_starts;
    slot.start(intended, now);
  }

  void on_load_end() override {
    // Due, but never started: no connection came free before the end.
    m_summary.dropped_starts += m_waiting.size();
    m_waiting.clear();
  }

  std::uint32_t users() const override { return static_cast<std::uint32_t>(m_slots.size() - m_free.size()); }

  ArrivalSchedule m_schedule;
  std::uint64_t m_next; // global index of this thread's next arrival
  TimePoint m_next_due{};
  std::vector<std::unique_ptr<Slot>> m_slots;
  std::vector<Slot*> m_free;
  std::deque<TimePoint> m_waiting; // intended starts of arrivals waiting for a connection
};

Slot::Slot(OpenWorker& worker, std::uint64_t seed) : Session(worker, seed), m_owner(worker) {}

void Slot::start(TimePoint intended, TimePoint now) {
  const PreparedScenario& prepared = *m_worker.plan().prepared;
  if (!m_started && !prepared.on_start.empty()) {
    m_started = true;
    m_in_on_start = true;
    return run_sequence(prepared.on_start, intended, now);
  }
  m_started = true;
  run_task(intended, now);
}

void Slot::on_sequence_done(TimePoint now) {
  if (m_in_on_start) {
    // The arrival's task follows its connection's on_start; its latency counts from its own start.
    m_in_on_start = false;
    return run_task(now, now);
  }
  m_owner.slot_free(*this, now);
}

} // namespace

std::unique_ptr<Worker> make_open_worker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota,
                                         EventLoop loop, const OpenModel& model) {
  return std::make_unique<OpenWorker>(plan, index, quota, std::move(loop), model);
}

} // namespace fp::bench
