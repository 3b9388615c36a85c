#include "deploy/host_sampler.hpp"

#include "deploy/open_host.hpp"

#include <charconv>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace fp::deploy {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view k_section_start = "==> ";
constexpr std::string_view k_section_end = " <==";
constexpr const char* k_local_name = "this machine";
constexpr int k_late_reads_tolerated = 3;
// 1 EiB: beyond any machine, and far enough from INT64_MAX that sums and rounding cannot overflow.
constexpr std::int64_t k_max_memory_kb = std::int64_t{1} << 50;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Whitespace-separated fields of one line.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t begin = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > begin) out.push_back(line.substr(begin, i - begin));
  }
  return out;
}

template <typename Number>
std::optional<Number> number(std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    out.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

// "==> /proc/stat <==" headed sections of the command's output, by file name.
std::map<std::string_view, std::vector<std::string_view>> sections(std::string_view text) {
  std::map<std::string_view, std::vector<std::string_view>> out;
  std::vector<std::string_view>* current = nullptr;
  for (const auto line : lines(text)) {
    const auto bare = trim(line);
    if (bare.size() > k_section_start.size() + k_section_end.size() && bare.substr(0, k_section_start.size()) == k_section_start &&
        bare.substr(bare.size() - k_section_end.size()) == k_section_end) {
      const auto name = bare.substr(k_section_start.size(), bare.size() - k_section_start.size() - k_section_end.size());
      current = &out[name];
      continue;
    }
    if (current != nullptr) current->push_back(line);
  }
  return out;
}

tl::expected<void, std::string> parse_stat(const std::vector<std::string_view>& section, ProcSnapshot& snapshot) {
  for (const auto line : section) {
    const auto parts = fields(line);
    if (parts.empty() || parts[0] != "cpu") continue;
    // user nice system idle [iowait irq softirq steal [guest guest_nice]]: guest time is already
    // counted in user and nice, so only the first eight add up to the total.
    if (parts.size() < 5) return tl::unexpected(std::string("/proc/stat: the cpu line has fewer than 4 counters"));
    std::uint64_t values[8] = {};
    const std::size_t count = std::min<std::size_t>(parts.size() - 1, 8);
    for (std::size_t i = 0; i < count; ++i) {
      const auto value = number<std::uint64_t>(parts[i + 1]);
      if (!value) return tl::unexpected("/proc/stat: the cpu line has a malformed counter '" + std::string(parts[i + 1]) + "'");
      values[i] = *value;
      snapshot.cpu_total += *value;
    }
    snapshot.cpu_idle = values[3] + values[4];
    return {};
  }
  return tl::unexpected(std::string("/proc/stat has no cpu line"));
}

tl::expected<void, std::string> parse_meminfo(const std::vector<std::string_view>& section, ProcSnapshot& snapshot) {
  std::map<std::string_view, std::int64_t> kb;
  for (const auto line : section) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto key = trim(line.substr(0, colon));
    if (key != "MemTotal" && key != "MemAvailable" && key != "MemFree" && key != "Buffers" && key != "Cached") continue;
    const auto parts = fields(line.substr(colon + 1));
    const auto value = parts.empty() ? std::nullopt : number<std::int64_t>(parts[0]);
    if (!value || *value < 0 || *value > k_max_memory_kb)
      return tl::unexpected("/proc/meminfo: malformed " + std::string(key) + " line");
    kb[key] = *value;
  }
  if (!kb.count("MemTotal") || kb["MemTotal"] <= 0) return tl::unexpected(std::string("/proc/meminfo has no MemTotal"));
  snapshot.mem_total_kb = kb["MemTotal"];
  if (kb.count("MemAvailable")) snapshot.mem_available_kb = kb["MemAvailable"];
  else if (kb.count("MemFree")) snapshot.mem_available_kb = kb["MemFree"] + kb["Buffers"] + kb["Cached"]; // kernels before 3.14
  else return tl::unexpected(std::string("/proc/meminfo has neither MemAvailable nor MemFree"));
  snapshot.mem_available_kb = std::min(snapshot.mem_available_kb, snapshot.mem_total_kb);
  return {};
}

tl::expected<void, std::string> parse_loadavg(const std::vector<std::string_view>& section, ProcSnapshot& snapshot) {
  const auto parts = section.empty() ? std::vector<std::string_view>{} : fields(section[0]);
  const auto value = parts.empty() ? std::nullopt : number<double>(parts[0]);
  if (!value || !std::isfinite(*value) || *value < 0) return tl::unexpected(std::string("/proc/loadavg: malformed first line"));
  snapshot.load1 = *value;
  return {};
}

tl::expected<void, std::string> parse_net_dev(const std::vector<std::string_view>& section, ProcSnapshot& snapshot) {
  // Two header lines, then "  eth0: rx_bytes rx_packets ... (8 receive counters) tx_bytes ...".
  for (const auto line : section) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = trim(line.substr(0, colon));
    const auto parts = fields(line.substr(colon + 1));
    if (parts.size() < 9) return tl::unexpected("/proc/net/dev: the line of " + std::string(name) + " has fewer than 9 counters");
    const auto rx = number<std::uint64_t>(parts[0]);
    const auto tx = number<std::uint64_t>(parts[8]);
    if (!rx || !tx) return tl::unexpected("/proc/net/dev: malformed counters for " + std::string(name));
    if (name == "lo") continue; // loopback traffic never leaves the host
    snapshot.rx_bytes += *rx;
    snapshot.tx_bytes += *tx;
  }
  return {};
}

std::uint64_t increase(std::uint64_t before, std::uint64_t after) { return after >= before ? after - before : 0; }

// To `decimals` places; dividing by a power of ten (not multiplying by 0.1) keeps 1.015 from
// printing as 1.0150000000000001.
double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::int64_t kb_to_mb(std::int64_t kb) { return (kb + 512) / 1024; }

} // namespace

std::string proc_snapshot_command() {
  return "for f in stat meminfo loadavg net/dev; do echo \"==> /proc/$f <==\"; cat \"/proc/$f\" || exit 1; done";
}

tl::expected<ProcSnapshot, std::string> parse_proc_snapshot(std::string_view text) {
  auto parts = sections(text);
  ProcSnapshot snapshot;
  for (const char* name : {"/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/net/dev"})
    if (!parts.count(name)) return tl::unexpected("the host's answer has no " + std::string(name) + " section");
  if (auto ok = parse_stat(parts["/proc/stat"], snapshot); !ok) return tl::unexpected(ok.error());
  if (auto ok = parse_meminfo(parts["/proc/meminfo"], snapshot); !ok) return tl::unexpected(ok.error());
  if (auto ok = parse_loadavg(parts["/proc/loadavg"], snapshot); !ok) return tl::unexpected(ok.error());
  if (auto ok = parse_net_dev(parts["/proc/net/dev"], snapshot); !ok) return tl::unexpected(ok.error());
  return snapshot;
}

HostSample sample_between(const ProcSnapshot& before, const ProcSnapshot& after, double seconds) {
  HostSample sample;
  const auto total = increase(before.cpu_total, after.cpu_total);
  const auto idle = std::min(increase(before.cpu_idle, after.cpu_idle), total);
  if (total > 0) sample.cpu_percent = rounded(100.0 * static_cast<double>(total - idle) / static_cast<double>(total), 1);
  sample.load1 = after.load1;
  sample.mem_total_mb = kb_to_mb(after.mem_total_kb);
  sample.mem_used_mb = kb_to_mb(after.mem_total_kb - after.mem_available_kb);
  if (seconds > 0) {
    const auto kbps = [&](std::uint64_t bytes) { return rounded(static_cast<double>(bytes) * 8.0 / 1000.0 / seconds, 1); };
    sample.rx_kbps = kbps(increase(before.rx_bytes, after.rx_bytes));
    sample.tx_kbps = kbps(increase(before.tx_bytes, after.tx_bytes));
  }
  return sample;
}

struct Sampling::State {
  SamplingOptions options;
  Deployment deployment; // only what reaching the hosts needs (no server binary)
  Clock::time_point started = Clock::now();

  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;                // guarded by mutex
  std::vector<HostSeries> series;       // guarded by mutex; one per thread
  std::vector<std::thread> threads;
  std::optional<std::vector<HostSeries>> result; // after stop()

  // Records why sampling this host ended; false, for `return fail(...)` in read_once.
  bool fail(std::size_t index, std::string error) {
    std::lock_guard lock(mutex);
    series[index].error = std::move(error);
    return false;
  }

  // What one host's thread carries from one read to the next.
  struct Reading {
    std::optional<ProcSnapshot> previous; // the baseline of the next sample
    Clock::time_point previous_at;
    int late = 0; // reads in a row that ran out of time
  };

  // One read of /proc on `host`, and the sample since the previous one; false: the host failed.
  bool read_once(std::size_t index, Host& host, Reading& reading) {
    const auto asked = Clock::now();
    auto answer = host.run(proc_snapshot_command(), options.command_timeout);
    if (!answer && answer.error().kind == ssh::ErrorKind::timeout && ++reading.late < k_late_reads_tolerated)
      return true; // a host at 100% CPU may answer late: the next sample spans the gap
    if (!answer) return fail(index, answer.error().describe());
    reading.late = 0;
    if (!answer->ok())
      return fail(index, host.name() + ": reading /proc failed (exit status " + std::to_string(answer->exit_status) + "): " +
                           std::string(trim(answer->err)));
    auto snapshot = parse_proc_snapshot(answer->out);
    if (!snapshot) return fail(index, host.name() + ": " + snapshot.error());
    if (reading.previous) {
      auto sample = sample_between(*reading.previous, *snapshot, seconds_between(reading.previous_at, asked));
      sample.t = rounded(seconds_between(started, asked), 3);
      std::lock_guard lock(mutex);
      series[index].samples.push_back(sample);
    }
    reading.previous = *snapshot;
    reading.previous_at = asked;
    return true;
  }

  // One host's thread: connect, then read /proc once per interval until stop() or a failure.
  void sample_host(std::size_t index, const HostSpec& spec) {
    OpenOptions open_options;
    open_options.connect_timeout = options.connect_timeout;
    open_options.attempt_timeout = std::min(options.connect_timeout, std::chrono::milliseconds(std::chrono::seconds(5)));
    auto open = open_host(deployment, spec, open_options);
    if (!open) {
      fail(index, open.error().describe());
      return;
    }
    Reading reading;
    for (;;) {
      const auto asked = Clock::now();
      if (!read_once(index, *open->host, reading)) return;
      // The next read is one interval after this one was asked for, however long it took.
      std::unique_lock lock(mutex);
      if (wake.wait_until(lock, asked + options.interval, [&] { return stopping; })) return;
    }
  }
};

Sampling::Sampling(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Sampling::Sampling(Sampling&&) noexcept = default;
Sampling& Sampling::operator=(Sampling&& other) noexcept {
  if (this != &other) {
    stop();
    m_state = std::move(other.m_state);
  }
  return *this;
}
Sampling::~Sampling() { stop(); }

Sampling Sampling::start(const Deployment& deployment, std::chrono::milliseconds interval) {
  SamplingOptions options;
  options.interval = interval;
  return start(deployment, options);
}

Sampling Sampling::start(const Deployment& deployment, const SamplingOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  state->options.interval = std::max(options.interval, std::chrono::milliseconds(1));
  state->deployment.local = deployment.local;
  state->deployment.identity = deployment.identity;
  state->deployment.ssh_user = deployment.ssh_user;
  if (deployment.local) {
    // Every host of provider: local is this machine: one series, not N copies of it.
    HostSpec self;
    self.name = k_local_name;
    self.role = "local";
    state->deployment.hosts.push_back(self);
  } else {
    state->deployment.hosts = deployment.hosts;
  }
  for (const auto& spec : state->deployment.hosts) state->series.push_back(HostSeries{spec.name, spec.role, {}, {}});
  state->started = Clock::now();
  State* shared = state.get();
  // Owned before the first thread starts: should starting another one throw, the destructor still
  // stops and joins those already running.
  Sampling sampling(std::move(state));
  for (std::size_t i = 0; i < shared->deployment.hosts.size(); ++i)
    shared->threads.emplace_back([shared, i] { shared->sample_host(i, shared->deployment.hosts[i]); });
  return sampling;
}

std::vector<HostSeries> Sampling::stop() {
  if (!m_state) return {};
  if (!m_state->result) {
    {
      std::lock_guard lock(m_state->mutex);
      m_state->stopping = true;
    }
    m_state->wake.notify_all();
    for (auto& thread : m_state->threads) thread.join();
    m_state->threads.clear();
    std::lock_guard lock(m_state->mutex);
    m_state->result = m_state->series;
  }
  return *m_state->result;
}

std::vector<HostSeries> Sampling::peek() const {
  if (!m_state) return {};
  std::lock_guard lock(m_state->mutex);
  return m_state->series;
}

nlohmann::json to_json(const std::vector<HostSeries>& series, double interval_s) {
  auto hosts = nlohmann::json::array();
  for (const auto& one : series) {
    auto samples = nlohmann::json::array();
    for (const auto& s : one.samples)
      samples.push_back({{"t", s.t},
                         {"cpu_percent", s.cpu_percent},
                         {"load1", s.load1},
                         {"mem_used_mb", s.mem_used_mb},
                         {"mem_total_mb", s.mem_total_mb},
                         {"rx_kbps", s.rx_kbps},
                         {"tx_kbps", s.tx_kbps}});
    hosts.push_back({{"host", one.host}, {"role", one.role}, {"error", one.error}, {"samples", std::move(samples)}});
  }
  return {{"interval_s", interval_s}, {"hosts", std::move(hosts)}};
}

} // namespace fp::deploy
