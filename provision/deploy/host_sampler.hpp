// Watching the hosts while a bench runs: once per interval each host's CPU, load, memory and network
// from /proc — what the DigitalOcean dashboard graphs — so the run's results say which host was
// the bottleneck. One thread per host runs one short command over that host's own SSH session
// (droplets) or on this machine (provider: local, sampled once: every "host" is this machine).
#pragma once

#include "deploy/rollout.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace fp::deploy {

struct HostSample {
  double t = 0;              // seconds since Sampling::start(), at the end of the interval measured
  double cpu_percent = 0;    // all CPUs together: 100 means every CPU busy
  double load1 = 0;          // /proc/loadavg's first field
  std::int64_t mem_used_mb = 0, mem_total_mb = 0; // used: MemTotal - MemAvailable
  double rx_kbps = 0, tx_kbps = 0; // kilobits (1000 bits) per second, every interface except lo
};

struct HostSeries {
  std::string host;  // "worker-1", or "this machine" for provider: local
  std::string role;  // lb | worker | local
  std::string error; // empty: sampled until stop(); else why sampling this host ended early
  std::vector<HostSample> samples;
};

// The raw counters of one read of /proc; samples are differences between two of them.
struct ProcSnapshot {
  std::uint64_t cpu_total = 0; // jiffies of the "cpu" line: user nice system idle iowait irq softirq steal
  std::uint64_t cpu_idle = 0;  // idle + iowait
  double load1 = 0;
  std::int64_t mem_total_kb = 0;
  std::int64_t mem_available_kb = 0;
  std::uint64_t rx_bytes = 0; // summed over every interface except lo
  std::uint64_t tx_bytes = 0;
};

// The one command a host runs per sample: /proc/stat, /proc/meminfo, /proc/loadavg and
// /proc/net/dev, each after a "==> /proc/NAME <==" line.
std::string proc_snapshot_command();
// That command's output; an error names what is missing or malformed.
tl::expected<ProcSnapshot, std::string> parse_proc_snapshot(std::string_view text);
// The sample for the `seconds` between two snapshots (t left 0). Counters that went backwards (an
// interface re-created, a counter reset) count as no traffic rather than as a negative rate.
HostSample sample_between(const ProcSnapshot& before, const ProcSnapshot& after, double seconds);

struct SamplingOptions {
  std::chrono::milliseconds interval = std::chrono::seconds(1);
  // One read of /proc; also what bounds stop() while a command is under way (over SSH a host that
  // stopped answering altogether takes fp_ssh's 10 s grace on top, see ssh/exec.hpp).
  std::chrono::milliseconds command_timeout = std::chrono::seconds(3);
  // The hosts are up when a bench starts: a host not reached within this is reported, not waited for.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
};

class Sampling { // RAII: the destructor stops and joins
public:
  // Starts one thread per host of `deployment` (one in all for provider: local). CPU % and network
  // rates are deltas between consecutive reads: the first read is the baseline, so the first sample
  // arrives after one interval.
  static Sampling start(const Deployment& deployment, std::chrono::milliseconds interval = std::chrono::seconds(1));
  static Sampling start(const Deployment& deployment, const SamplingOptions& options);

  Sampling(Sampling&&) noexcept;
  Sampling& operator=(Sampling&&) noexcept;
  Sampling(const Sampling&) = delete;
  Sampling& operator=(const Sampling&) = delete;
  ~Sampling();

  // Stops every thread and returns the series in the deployment's host order. Idempotent: later
  // calls return the same series. A host that failed keeps its error and the samples before it.
  std::vector<HostSeries> stop();
  // The series so far, while sampling goes on (a live display; tests waiting for samples).
  std::vector<HostSeries> peek() const;

  struct State;

private:
  explicit Sampling(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

// {"interval_s": 1, "hosts": [{"host", "role", "error", "samples": [{"t", "cpu_percent", "load1",
// "mem_used_mb", "mem_total_mb", "rx_kbps", "tx_kbps"}]}]} — the run directory's hosts.json.
nlohmann::json to_json(const std::vector<HostSeries>& series, double interval_s);

} // namespace fp::deploy
