#include "worker.hpp"

#include <cstring>
#include <ctime>
#include <exception>

#include "units.hpp"

namespace fp::bench {
namespace {

// Worker timer tokens (below Worker::k_first_model_token).
constexpr std::uint64_t k_tick_token = 1;       // a second ended: hand it to the Timeline
constexpr std::uint64_t k_stop_check_token = 2; // look at the coordinator's stop flag
constexpr std::uint64_t k_run_end_token = 3;    // run_time is over
constexpr std::uint64_t k_drain_token = 4;      // requests in flight had their time to finish

// How often a worker looks at the stop flag: Ctrl-C is honoured within this.
constexpr std::chrono::milliseconds k_stop_check_interval{20};

// One read takes this much; a response of the course's API fits many times over.
constexpr std::size_t k_read_buffer_size = 64 * 1024;

// The session's own timer token: a sequence that ended inside run_sequence() reports from the loop.
constexpr std::uint64_t k_sequence_done_token = 0;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::chrono::microseconds micros(std::chrono::nanoseconds duration) {
  return std::chrono::duration_cast<std::chrono::microseconds>(duration);
}

bool status_fails(const RequestSpec& spec, unsigned status) {
  const auto& allowed = spec.check.status_in;
  if (allowed.empty()) return status >= 400;
  for (const unsigned ok : allowed) {
    if (ok == status) return false;
  }
  return true;
}

} // namespace

tl::expected<PreparedScenario, std::string> prepare_scenario(const Scenario& scenario, const Target& target) {
  const auto prepare = [&](const RequestSpec& spec) -> tl::expected<PreparedRequest, std::string> {
    PreparedRequest prepared;
    prepared.spec = &spec;
    prepared.head = spec.method == "HEAD";
    prepared.keep_body = !spec.captures.empty() || spec.check.body_contains || spec.check.json_path_exists;
    bool literal = spec.path.is_literal() && (!spec.body || spec.body->is_literal());
    for (const auto& header : spec.headers) literal = literal && header.second.is_literal();
    if (literal) {
      UserState nobody;
      auto rendered = render_request(spec, nobody);
      if (!rendered) return tl::unexpected(spec.method + " " + spec.path.source() + ": " + rendered.error());
      append_request_bytes(prepared.bytes, *rendered, target);
      prepared.literal = true;
    }
    return prepared;
  };
  if (scenario.tasks.empty()) return tl::unexpected("the scenario '" + scenario.name + "' has no tasks");
  PreparedScenario prepared;
  for (const RequestSpec& spec : scenario.on_start) {
    auto request = prepare(spec);
    if (!request) return tl::unexpected(request.error());
    prepared.on_start.push_back(std::move(*request));
  }
  for (const Task& task : scenario.tasks) {
    // A task without requests would let a user without think time spin without ever counting.
    if (task.requests.empty()) return tl::unexpected("the task '" + task.name + "' has no requests");
    auto& requests = prepared.tasks.emplace_back();
    for (const RequestSpec& spec : task.requests) {
      auto request = prepare(spec);
      if (!request) return tl::unexpected(request.error());
      requests.push_back(std::move(*request));
    }
  }
  return prepared;
}

// ---------------------------------------------------------------------------------------- Worker

Worker::Worker(const RunPlan& plan, std::size_t index, std::optional<std::uint64_t> quota, EventLoop loop)
  : m_plan(plan), m_index(index), m_quota(quota), m_loop(std::move(loop)), m_recorder(plan.scenario->stats_keys.size()),
    m_read_buffer(k_read_buffer_size),
    m_source_ports(plan.source_ports.first, plan.source_ports.second, splitmix64(plan.seed + index)) {
  m_connection_settings.loop = &m_loop;
  m_connection_settings.target = plan.target;
  m_connection_settings.connect_timeout = plan.connect_timeout;
  m_connection_settings.request_timeout = plan.request_timeout;
  m_connection_settings.connect_timeout_error = "connect: timeout after " + format_duration(plan.connect_timeout);
  m_connection_settings.request_timeout_error = "timeout after " + format_duration(plan.request_timeout);
  m_connection_settings.read_buffer = std::span<char>(m_read_buffer);
  m_connection_settings.source_ports = &m_source_ports;
  m_handed_through.store(plan.start_unix_second - 1, std::memory_order_relaxed);
}

Worker::~Worker() = default;

std::uint64_t Worker::session_seed(std::uint64_t ordinal) const {
  return splitmix64(m_plan.seed ^ splitmix64((static_cast<std::uint64_t>(m_index) << 40) ^ ordinal));
}

void Worker::run() noexcept {
  const auto cpu_at_start = thread_cpu_time();
  try {
    const TimePoint now = EventLoop::now();
    m_loop.schedule(m_plan.start + std::chrono::seconds(1), *this, k_tick_token);
    m_loop.schedule(now + k_stop_check_interval, *this, k_stop_check_token);
    if (m_plan.end) m_loop.schedule(*m_plan.end, *this, k_run_end_token);
    begin(now);
    if (!quota_left() && m_in_flight == 0) finish();
    if (!m_finished) m_loop.run();
  } catch (const std::exception& error) {
    m_summary.error = error.what();
  } catch (...) {
    m_summary.error = "unknown exception";
  }
  if (m_summary.load_ended == TimePoint{}) m_summary.load_ended = EventLoop::now();
  m_summary.finished = EventLoop::now();
  try {
    hand_over(m_plan.start_unix_second + m_next_tick - 1); // the second in progress, partial
  } catch (...) {
    // The samples are lost, the totals are not: they are merged from the recorder after the join.
  }
  m_summary.cpu = thread_cpu_time() - cpu_at_start;
  m_users_now.store(users(), std::memory_order_relaxed);
  m_done.store(true, std::memory_order_release);
}

void Worker::on_timer(std::uint64_t token) {
  if (token >= k_first_model_token) return on_model_timer(token);
  const TimePoint now = EventLoop::now();
  switch (token) {
  case k_tick_token:
    hand_over(m_plan.start_unix_second + m_next_tick - 1);
    ++m_next_tick;
    m_loop.schedule(m_plan.start + std::chrono::seconds(m_next_tick), *this, k_tick_token);
    return;
  case k_stop_check_token:
    if (m_plan.stop->load(std::memory_order_relaxed)) {
      if (m_accepting) end_load(now);
    } else {
      m_loop.schedule(now + k_stop_check_interval, *this, k_stop_check_token);
    }
    return;
  case k_run_end_token:
    if (m_accepting) end_load(now);
    return;
  case k_drain_token:
    m_summary.abandoned = m_in_flight;
    finish();
    return;
  default:
    return;
  }
}

void Worker::end_load(TimePoint now) {
  m_accepting = false;
  if (!m_quota || *m_quota > 0) m_summary.load_ended = now; // a quota that ran out already set it
  on_load_end();
  if (m_in_flight == 0) return finish();
  m_loop.schedule(now + m_plan.drain_limit, *this, k_drain_token);
}

void Worker::finish() {
  m_accepting = false;
  m_finished = true;
  m_loop.stop();
}

void Worker::hand_over(std::int64_t label) {
  const std::uint32_t users_now = users();
  m_users_now.store(users_now, std::memory_order_relaxed);
  if (label <= m_handed_through.load(std::memory_order_relaxed)) return;
  m_plan.timeline->add(m_index, label, m_recorder.take_second(), users_now);
  m_handed_through.store(label, std::memory_order_release);
}

// --------------------------------------------------------------------------------------- Session

Session::Session(Worker& worker, std::uint64_t seed)
  : m_worker(worker), m_connection(worker.connection_settings(), *this) {
  m_user.random.seed(seed);
}

void Session::run_sequence(const std::vector<PreparedRequest>& requests, TimePoint intended, TimePoint now) {
  m_current = requests.data();
  m_end = requests.data() + requests.size();
  m_intended = intended;
  m_first = true;
  m_in_run = true;
  send_current(now);
  m_in_run = false;
}

void Session::send_current(TimePoint now) {
  if (m_current == m_end) return sequence_done(now);
  if (!m_worker.take_request()) {
    m_current = m_end = nullptr; // the run is over for this session
    return;
  }
  const PreparedRequest& request = *m_current;
  std::string_view bytes = request.bytes;
  if (!request.literal) {
    auto rendered = render_request(*request.spec, m_user);
    if (!rendered) {
      // A placeholder the user cannot fill (a capture that failed earlier): like an exception in a
      // Locust task, it ends the task. It is recorded, so it counts and shows in the error report.
      const std::string error = "cannot render the request: " + rendered.error();
      m_sent = now;
      finish_request(now, FailureKind::check, &error, 0);
      m_current = m_end;
      return sequence_done(now);
    }
    m_buffer.clear();
    append_request_bytes(m_buffer, *rendered, *m_worker.plan().target);
    bytes = m_buffer;
  }
  m_sent = now;
  m_connection.send(bytes, request.head, request.keep_body, now);
}

void Session::sequence_done(TimePoint now) {
  if (m_in_run) {
    m_worker.loop().schedule(now, *this, k_sequence_done_token);
    return;
  }
  on_sequence_done(now);
}

void Session::finish_request(TimePoint now, std::optional<FailureKind> kind, const std::string* error,
                             std::uint64_t bytes) {
  const std::size_t key = m_current->spec->stats_index;
  const auto uncorrected = micros(now - m_sent);
  const auto latency = m_first ? micros(now - m_intended) : uncorrected;
  m_first = false;
  if (kind) {
    m_worker.recorder().record_failure(key, latency, uncorrected, *kind, *error);
  } else {
    m_worker.recorder().record(key, latency, uncorrected, bytes);
  }
  m_worker.request_finished();
}

void Session::on_response(unsigned status, std::uint64_t body_bytes, std::string_view body) {
  const TimePoint now = EventLoop::now();
  const RequestSpec& spec = *m_current->spec;
  if (auto failure = evaluate_response(spec, status, body, m_user)) {
    finish_request(now, status_fails(spec, status) ? FailureKind::http_status : FailureKind::check, &*failure,
                   body_bytes);
  } else {
    finish_request(now, std::nullopt, nullptr, body_bytes);
  }
  ++m_current;
  send_current(now); // the response's bytes are not needed any more
}

void Session::on_failure(FailureKind kind, const std::string& error) {
  const TimePoint now = EventLoop::now();
  finish_request(now, kind, &error, 0);
  // As in Locust, a failed request does not end the task: the next one is tried.
  ++m_current;
  send_current(now);
}

void Session::on_timer(std::uint64_t token) {
  if (token == k_sequence_done_token) return on_sequence_done(EventLoop::now());
  on_session_timer(token);
}

} // namespace fp::bench
