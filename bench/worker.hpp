// An engine thread: its event loop, its statistics (no locks: nothing is shared while the run
// lasts), the bounds of the run (time, request quota, stop), the once-a-second handover to the
// Timeline; and a Session, what a user (closed model) or a pool slot (open model) is: a connection,
// the user's variables and random generator, and the task being run. The models build on both.
#pragma once

#include "event_loop.hpp"
#include "http_connection.hpp"
#include "run.hpp"
#include "scenario.hpp"
#include "stats.hpp"
#include "target_url.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fp::bench {

// A RequestSpec made ready once before the run: a request without placeholders is rendered to its
// bytes here, so sending it costs no formatting and no allocation.
struct PreparedRequest {
  const RequestSpec* spec = nullptr;
  std::string bytes; // the whole request, when `literal`
  bool literal = false;
  bool head = false;      // HEAD: the response has no body
  bool keep_body = false; // a capture or a body check reads the body
};

struct PreparedScenario {
  std::vector<PreparedRequest> on_start;
  std::vector<std::vector<PreparedRequest>> tasks; // parallel to Scenario::tasks
};

tl::expected<PreparedScenario, std::string> prepare_scenario(const Scenario& scenario, const Target& target);

// Everything the workers share, read-only while they run.
struct RunPlan {
  const Scenario* scenario = nullptr;
  const PreparedScenario* prepared = nullptr;
  const Target* target = nullptr;
  std::chrono::nanoseconds connect_timeout{0};
  std::chrono::nanoseconds request_timeout{0};
  std::chrono::nanoseconds drain_limit{0}; // how long requests in flight may finish after the end
  TimePoint start{};                       // t = 0 of every schedule
  std::optional<TimePoint> end;            // start + run_time
  std::int64_t start_unix_second = 0;      // the label of the run's first second
  std::pair<std::uint16_t, std::uint16_t> source_ports{0, 0}; // the ephemeral range; {0, 0}: the kernel picks
  std::size_t threads = 1;
  std::uint64_t seed = 0;
  Timeline* timeline = nullptr;
  const std::atomic<bool>* stop = nullptr; // set by the coordinator: end now
};

// What a worker leaves behind; complete once done() is true.
struct WorkerSummary {
  std::chrono::nanoseconds cpu{0};
  TimePoint load_ended{};       // when it stopped starting requests (time, quota or stop)
  TimePoint finished{};
  std::uint64_t abandoned = 0;  // still in flight when the drain limit passed; not recorded
  std::uint64_t late_starts = 0;
  std::uint64_t dropped_starts = 0;
  std::uint32_t users = 0;      // closed model: users spawned
  std::optional<TimePoint> last_spawn;
  std::string error;            // what ended the thread early (an exception), if anything
};

class Worker : private TimerHandler {
public:
  Worker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota, EventLoop loop);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  virtual ~Worker();

  // The thread's body: runs the loop until the load ends and requests in flight have finished.
  void run() noexcept;

  // Safe from the coordinating thread while the run lasts.
  bool done() const { return m_done.load(std::memory_order_acquire); }
  std::int64_t handed_through() const { return m_handed_through.load(std::memory_order_acquire); }
  std::uint32_t users_now() const { return m_users_now.load(std::memory_order_relaxed); }
  // After done().
  const WorkerSummary& summary() const { return m_summary; }
  const StatsRecorder& recorder() const { return m_recorder; }
  const Histogram& lag() const { return m_loop.lag(); }

  // For sessions, on the worker's thread.
  EventLoop& loop() { return m_loop; }
  StatsRecorder& recorder() { return m_recorder; }
  const RunPlan& plan() const { return m_plan; }
  std::size_t index() const { return m_index; }
  const ConnectionSettings& connection_settings() const { return m_connection_settings; }
  bool accepting() const { return m_accepting; }
  // Takes one request from the bounds; false when no more may start (the session then goes idle).
  bool take_request() {
    if (!m_accepting) return false;
    if (m_quota) {
      if (*m_quota == 0) return false;
      if (--*m_quota == 0) m_summary.load_ended = EventLoop::now();
    }
    ++m_in_flight;
    return true;
  }
  void request_finished() {
    --m_in_flight;
    if (m_in_flight == 0 && (!m_accepting || (m_quota && *m_quota == 0))) finish();
  }
  bool quota_left() const { return !m_quota || *m_quota > 0; }
  std::uint64_t session_seed(std::uint64_t ordinal) const;

protected:
  // Timer tokens from this value up belong to the model (on_model_timer).
  static constexpr std::uint64_t k_first_model_token = 16;

  virtual void begin(TimePoint now) = 0;       // schedules the model's first events
  virtual void on_load_end() {}                // nothing more starts: count what never did
  virtual std::uint32_t users() const = 0;     // for the per-second samples
  virtual void on_model_timer(std::uint64_t token) = 0;
  // For the model's timers (tokens from k_first_model_token up).
  TimerHandler& timer_handler() { return *this; }

  WorkerSummary m_summary;

private:
  void on_timer(std::uint64_t token) final;
  void end_load(TimePoint now);
  void finish();
  void hand_over(std::int64_t label);

  const RunPlan& m_plan;
  std::size_t m_index;
  std::optional<std::uint64_t> m_quota; // requests this thread may still start
  EventLoop m_loop;
  StatsRecorder m_recorder;
  ConnectionSettings m_connection_settings;
  std::vector<char> m_read_buffer;
  SourcePorts m_source_ports;
  std::uint64_t m_in_flight = 0;
  std::int64_t m_next_tick = 1; // the tick at start + m_next_tick seconds closes second m_next_tick - 1
  bool m_accepting = true;
  bool m_finished = false;
  std::atomic<bool> m_done{false};
  std::atomic<std::int64_t> m_handed_through{0};
  std::atomic<std::uint32_t> m_users_now{0};
};

// A user or a pool slot: runs a sequence of requests on its own keep-alive connection.
class Session : private ConnectionListener, protected TimerHandler {
public:
  Session(Worker& worker, std::uint64_t seed);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  virtual ~Session() = default;

protected:
  // Runs `requests` one after another; the first one's latency counts from `intended` (the open
  // model's schedule; the closed model passes the actual start). Then on_sequence_done(), which is
  // never called from inside run_sequence(). When the run's bounds stop it midway, nothing is called.
  void run_sequence(const std::vector<PreparedRequest>& requests, TimePoint intended, TimePoint now);
  virtual void on_sequence_done(TimePoint now) = 0;
  // Timer tokens other than the session's own (which is 0).
  virtual void on_session_timer(std::uint64_t token) = 0;

  Worker& m_worker;
  UserState m_user;

private:
  void send_current(TimePoint now);
  void sequence_done(TimePoint now);
  void finish_request(TimePoint now, std::optional<FailureKind> kind, const std::string* error, std::uint64_t bytes);
  void on_response(unsigned status, std::uint64_t body_bytes, std::string_view body) override;
  void on_failure(FailureKind kind, const std::string& error) override;
  void on_timer(std::uint64_t token) final;

  HttpConnection m_connection;
  const PreparedRequest* m_current = nullptr;
  const PreparedRequest* m_end = nullptr;
  TimePoint m_intended{};
  TimePoint m_sent{};
  std::string m_buffer;  // a request with placeholders, rendered
  bool m_first = false;  // the request in flight is the sequence's first (latency from m_intended)
  bool m_in_run = false; // inside run_sequence(): a sequence that ends now must report later
};

// The models' workers (closed_model.cpp, open_model.cpp).
std::unique_ptr<Worker> make_closed_worker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota,
                                           EventLoop loop, const ClosedModel& model);
std::unique_ptr<Worker> make_open_worker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota,
                                         EventLoop loop, const OpenModel& model);

} // namespace fp::bench
