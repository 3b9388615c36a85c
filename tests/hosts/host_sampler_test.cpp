// Host sampling during a bench: /proc parsed from canned snapshots (exact CPU %, memory and rates;
// malformed text is an error, never a crash), this machine sampled through LocalHost while a
// thread burns CPU, and hosts sampled over a real sshd — one of which goes away mid-run.
#include "deploy/host_sampler.hpp"
#include "support/process.hpp"
#include "support/sshd_instance.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/types.h>
#include <unistd.h>

using namespace fp::deploy;
using namespace fp::test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// What proc_snapshot_command() prints, with the counters given.
std::string snapshot_text(const std::string& cpu_line, const std::string& meminfo, const std::string& loadavg,
                          const std::string& net_lines) {
  return "==> /proc/stat <==\n" + cpu_line +
         "\ncpu0 1436010 35662 387278 561974 4231 0 83483 1465 0 0\n"
         "intr 40098024 0 0 0 0\nctxt 196667037\nbtime 1795772777\nprocesses 989846\n"
         "==> /proc/meminfo <==\n" +
         meminfo +
         "==> /proc/loadavg <==\n" + loadavg +
         "\n==> /proc/net/dev <==\n"
         "Inter-|   Receive                                                |  Transmit\n"
         " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
         net_lines;
}

const std::string k_meminfo_a = "MemTotal:        2034800 kB\nMemFree:          900000 kB\nMemAvailable:    1819764 kB\n"
                                "Buffers:           24716 kB\nCached:           500000 kB\nSwapTotal:             0 kB\n"
                                "HugePages_Total:       0\n";
const std::string k_meminfo_b = "MemTotal:        2034800 kB\nMemFree:          700000 kB\nMemAvailable:    1600000 kB\n"
                                "Buffers:           24716 kB\nCached:           500000 kB\n";

// Two reads one second apart on a 2-CPU droplet: guest time (already inside user) must not count
// twice, iowait counts as idle, lo is left out, and "eth1:N" without a space is an interface too.
const std::string k_before = snapshot_text("cpu  100 0 100 700 100 0 0 0 50 0", k_meminfo_a, "0.30 0.20 0.10 1/120 4000",
                                           "    lo: 9000000 100 0 0 0 0 0 0 9000000 100 0 0 0 0 0 0\n"
                                           "  eth0: 1000000 900 0 0 0 0 0 0 2000000 800 0 0 0 0 0 0\n"
                                           "  eth1:500 5 0 0 0 0 0 0 700 7 0 0 0 0 0 0\n");
const std::string k_after = snapshot_text("cpu  250 0 150 1000 100 0 0 0 120 0", k_meminfo_b, "1.25 0.40 0.20 3/121 4100",
                                          "    lo: 99000000 900 0 0 0 0 0 0 99000000 900 0 0 0 0 0 0\n"
                                          "  eth0: 1125000 1000 0 0 0 0 0 0 2250000 900 0 0 0 0 0 0\n"
                                          "  eth1:500 5 0 0 0 0 0 0 50700 9 0 0 0 0 0 0\n");

ProcSnapshot parsed(const std::string& text) {
  auto snapshot = parse_proc_snapshot(text);
  if (!snapshot) throw std::runtime_error(snapshot.error());
  return *snapshot;
}

TEST(ProcSnapshotTest, ParsesCountersFromEveryFile) {
  const auto a = parsed(k_before);
  EXPECT_EQ(a.cpu_total, 1000U); // 100+0+100+700+100, guest (50) left out
  EXPECT_EQ(a.cpu_idle, 800U);   // idle + iowait
  EXPECT_DOUBLE_EQ(a.load1, 0.30);
  EXPECT_EQ(a.mem_total_kb, 2034800);
  EXPECT_EQ(a.mem_available_kb, 1819764);
  EXPECT_EQ(a.rx_bytes, 1000500U);
  EXPECT_EQ(a.tx_bytes, 2000700U);
}

TEST(ProcSnapshotTest, SampleBetweenTwoReadsGivesCpuMemoryAndRates) {
  const auto sample = sample_between(parsed(k_before), parsed(k_after), 1.0);
  // total +500 (guest's +70 not counted), idle +300: 200 of 500 busy.
  EXPECT_DOUBLE_EQ(sample.cpu_percent, 40.0);
  EXPECT_DOUBLE_EQ(sample.load1, 1.25);
  EXPECT_EQ(sample.mem_total_mb, 1987);           // 2034800 kB
  EXPECT_EQ(sample.mem_used_mb, 425);             // 2034800 - 1600000 = 434800 kB
  EXPECT_DOUBLE_EQ(sample.rx_kbps, 1000.0);       // eth0 +125000 bytes in 1 s; lo's 90 MB left out
  EXPECT_DOUBLE_EQ(sample.tx_kbps, 2400.0);       // eth0 +250000, eth1 +50000 bytes
  const auto slower = sample_between(parsed(k_before), parsed(k_after), 2.0);
  EXPECT_DOUBLE_EQ(slower.rx_kbps, 500.0);
  EXPECT_DOUBLE_EQ(slower.cpu_percent, 40.0); // CPU is a share of the jiffies, not of wall time
}

TEST(ProcSnapshotTest, CountersThatWentBackwardsAreNoTrafficNotNegative) {
  const auto sample = sample_between(parsed(k_after), parsed(k_before), 1.0);
  EXPECT_EQ(sample.cpu_percent, 0.0);
  EXPECT_EQ(sample.rx_kbps, 0.0);
  EXPECT_EQ(sample.tx_kbps, 0.0);
  const auto same = sample_between(parsed(k_before), parsed(k_before), 0.0);
  EXPECT_EQ(same.cpu_percent, 0.0);
  EXPECT_EQ(same.rx_kbps, 0.0);
}

TEST(ProcSnapshotTest, OldKernelsWithoutMemAvailableUseFreeBuffersAndCached) {
  const auto text = snapshot_text("cpu 1 2 3 4", "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n",
                                  "0.00 0.00 0.00 1/1 1", "");
  const auto snapshot = parsed(text);
  EXPECT_EQ(snapshot.mem_available_kb, 400);
  EXPECT_EQ(snapshot.cpu_total, 10U);
  EXPECT_EQ(snapshot.cpu_idle, 4U);
  EXPECT_EQ(snapshot.rx_bytes, 0U);
}

TEST(ProcSnapshotTest, MalformedTextIsAnErrorThatSaysWhat) {
  const std::string net = "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
  const std::string load = "0.1 0.2 0.3 1/2 3";
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"", "no /proc/stat section"},
    {"bash: cat: command not found\n", "no /proc/stat section"},
    {snapshot_text("intr 5", k_meminfo_a, load, net), "/proc/stat has no cpu line"},
    {snapshot_text("cpu 1 2 3", k_meminfo_a, load, net), "fewer than 4 counters"},
    {snapshot_text("cpu 1 2 x 4", k_meminfo_a, load, net), "malformed counter 'x'"},
    {snapshot_text("cpu 1 2 -3 4", k_meminfo_a, load, net), "malformed counter '-3'"},
    {snapshot_text("cpu 1 2 99999999999999999999999 4", k_meminfo_a, load, net), "malformed counter"},
    {snapshot_text("cpu 1 2 3 4", "MemFree: 5 kB\n", load, net), "no MemTotal"},
    {snapshot_text("cpu 1 2 3 4", "MemTotal: 5 kB\n", load, net), "neither MemAvailable nor MemFree"},
    {snapshot_text("cpu 1 2 3 4", "MemTotal: lots kB\nMemAvailable: 1 kB\n", load, net), "malformed MemTotal"},
    {snapshot_text("cpu 1 2 3 4", "MemTotal: 10 kB\nMemAvailable: -1 kB\n", load, net), "malformed MemAvailable"},
    {snapshot_text("cpu 1 2 3 4", "MemTotal: 9223372036854775807 kB\nMemAvailable: 1 kB\n", load, net), "malformed MemTotal"},
    {snapshot_text("cpu 1 2 3 4", k_meminfo_a, "", net), "/proc/loadavg: malformed"},
    {snapshot_text("cpu 1 2 3 4", k_meminfo_a, "nan 0 0", net), "/proc/loadavg: malformed"},
    {snapshot_text("cpu 1 2 3 4", k_meminfo_a, load, "  eth0: 1 2 3\n"), "eth0 has fewer than 9 counters"},
    {snapshot_text("cpu 1 2 3 4", k_meminfo_a, load, "  eth0: 1 2 3 4 5 6 7 8 z 10\n"), "malformed counters for eth0"},
  };
  for (const auto& [text, expected] : cases) {
    const auto result = parse_proc_snapshot(text);
    ASSERT_FALSE(result.has_value()) << "accepted:\n" << text;
    EXPECT_TRUE(contains(result.error(), expected)) << result.error() << "\nexpected: " << expected;
  }
}

TEST(ProcSnapshotTest, EveryTruncationOrCorruptionIsAResultNeverACrash) {
  // A connection cut mid-answer leaves any prefix; ASan/UBSan builds make an overrun fail here.
  std::size_t accepted = 0;
  for (std::size_t n = 0; n <= k_after.size(); ++n) accepted += parse_proc_snapshot(k_after.substr(0, n)).has_value() ? 1U : 0U;
  EXPECT_GE(accepted, 1U) << "the whole text parses";
  EXPECT_LT(accepted, k_after.size() / 2) << "most prefixes lack a section";
  std::string corrupted = k_after;
  for (std::size_t i = 0; i < corrupted.size(); i += 7) {
    std::string copy = corrupted;
    copy[i] = static_cast<char>((static_cast<unsigned char>(copy[i]) * 31U + 7U) & 0xFFU);
    (void)parse_proc_snapshot(copy);
  }
}

TEST(HostSamplerJsonTest, KeepsTheShapeFpctlReportReads) {
  HostSample sample;
  sample.t = 1.5;
  sample.cpu_percent = 12.5;
  sample.load1 = 0.3;
  sample.mem_used_mb = 210;
  sample.mem_total_mb = 1987;
  sample.rx_kbps = 120.5;
  sample.tx_kbps = 340.1;
  const std::vector<HostSeries> series = {{"worker-1", "worker", "", {sample}}, {"lb", "lb", "lb: cannot connect", {}}};
  const auto json = to_json(series, 1.0);
  EXPECT_EQ(json.at("interval_s").get<double>(), 1.0);
  ASSERT_EQ(json.at("hosts").size(), 2U);
  const auto& first = json.at("hosts").at(0);
  EXPECT_EQ(first.at("host"), "worker-1");
  EXPECT_EQ(first.at("role"), "worker");
  EXPECT_EQ(first.at("error"), "");
  ASSERT_EQ(first.at("samples").size(), 1U);
  const auto& s = first.at("samples").at(0);
  EXPECT_EQ(s.size(), 7U) << s.dump();
  EXPECT_EQ(s.at("t").get<double>(), 1.5);
  EXPECT_EQ(s.at("cpu_percent").get<double>(), 12.5);
  EXPECT_EQ(s.at("load1").get<double>(), 0.3);
  EXPECT_EQ(s.at("mem_used_mb").get<std::int64_t>(), 210);
  EXPECT_TRUE(s.at("mem_total_mb").is_number_integer());
  EXPECT_EQ(s.at("rx_kbps").get<double>(), 120.5);
  EXPECT_EQ(s.at("tx_kbps").get<double>(), 340.1);
  EXPECT_EQ(json.at("hosts").at(1).at("error"), "lb: cannot connect");
  EXPECT_TRUE(json.at("hosts").at(1).at("samples").empty());
}

std::int64_t mem_total_mb_here() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::int64_t kb = 0;
  in >> key >> kb; // "MemTotal: N kB" is the first line
  EXPECT_EQ(key, "MemTotal:");
  return (kb + 512) / 1024;
}

void expect_sane(const HostSeries& series) {
  double last_t = 0;
  for (const auto& s : series.samples) {
    EXPECT_GT(s.t, last_t) << series.host;
    last_t = s.t;
    EXPECT_GE(s.cpu_percent, 0.0);
    EXPECT_LE(s.cpu_percent, 100.0);
    EXPECT_GE(s.load1, 0.0);
    EXPECT_GE(s.mem_used_mb, 0);
    EXPECT_LE(s.mem_used_mb, s.mem_total_mb);
    EXPECT_GE(s.rx_kbps, 0.0);
    EXPECT_GE(s.tx_kbps, 0.0);
  }
}

// Waits (bounded) until `ready` holds for the series so far.
template <typename Ready>
bool wait_for(const Sampling& sampling, Ready ready, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready(sampling.peek())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(HostSamplerLocalTest, SamplesThisMachineOnceWhileABusyLoopBurnsCpu) {
  Deployment deployment;
  deployment.local = true;
  for (const char* name : {"lb", "worker-1", "worker-2"}) {
    HostSpec spec;
    spec.name = name;
    spec.role = spec.name == "lb" ? "lb" : "worker";
    spec.address = "127.0.0.1";
    deployment.hosts.push_back(spec);
  }
  std::atomic<bool> burning{true};
  std::thread burner([&] {
    volatile std::uint64_t spin = 0;
    while (burning.load(std::memory_order_relaxed)) spin = spin + 1;
  });
  constexpr auto k_interval = std::chrono::milliseconds(250);
  const auto started = std::chrono::steady_clock::now();
  auto sampling = Sampling::start(deployment, k_interval);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto series = sampling.stop();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  burning = false;
  burner.join();

  ASSERT_EQ(series.size(), 1U) << "every host of provider: local is this machine";
  EXPECT_EQ(series[0].host, "this machine");
  EXPECT_EQ(series[0].role, "local");
  EXPECT_EQ(series[0].error, "");
  const auto& samples = series[0].samples;
  ASSERT_GE(samples.size(), 2U);
  // One read per interval at most, the first being the baseline.
  EXPECT_LE(static_cast<double>(samples.size()), elapsed / 0.25 + 1) << samples.size() << " samples in " << elapsed << " s";
  bool busy = false;
  for (const auto& s : samples) busy = busy || s.cpu_percent > 0;
  EXPECT_TRUE(busy);
  EXPECT_EQ(samples.back().mem_total_mb, mem_total_mb_here());
  expect_sane(series[0]);
  EXPECT_EQ(sampling.stop().size(), 1U) << "stop() again returns the same series";
  EXPECT_EQ(sampling.stop()[0].samples.size(), samples.size());
}

TEST(HostSamplerLocalTest, ADeploymentWithoutHostsSamplesNothing) {
  Deployment deployment;
  auto sampling = Sampling::start(deployment);
  EXPECT_TRUE(sampling.stop().empty());
  EXPECT_TRUE(to_json({}, 1.0).at("hosts").empty());
}

std::string command_name(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// The pids of every process below `root`, from /proc.
std::vector<pid_t> descendants(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> parent_of; // (pid, ppid)
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')'); // the command name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    parent_of.emplace_back(static_cast<pid_t>(std::stol(name)), ppid);
  }
  std::vector<pid_t> found{root};
  for (std::size_t i = 0; i < found.size(); ++i)
    for (const auto& [pid, ppid] : parent_of)
      if (ppid == found[i]) found.push_back(pid);
  found.erase(found.begin());
  return found;
}

class HostSamplerSshTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_key = make_ssh_key(m_keys.path(), "sampler");
    m_first = std::make_unique<SshdInstance>(m_key.public_key);
    m_second = std::make_unique<SshdInstance>(m_key.public_key);
    m_deployment.identity = m_key.private_key;
    m_deployment.ssh_user = m_first->user();
    m_deployment.hosts.push_back(host("worker-1", "worker", m_first->port()));
    m_deployment.hosts.push_back(host("worker-2", "worker", m_second->port()));
  }

  static HostSpec host(const std::string& name, const std::string& role, unsigned short ssh_port) {
    HostSpec spec;
    spec.name = name;
    spec.role = role;
    spec.address = "127.0.0.1";
    spec.private_address = "127.0.0.1";
    spec.ssh_port = ssh_port;
    return spec;
  }

  // The host's SSH side going away: its connections' sshd processes first (stopping the listener
  // alone leaves them open), then the listener. Only sshd's own processes: a shell killed mid-way
  // could leave a lock of the login user's shell start-up files (pyenv's rehash) behind for others.
  void kill_second_host() {
    const auto pid = static_cast<pid_t>(std::stol(read_file(m_second->directory() / "sshd.pid")));
    for (const pid_t child : descendants(pid))
      if (command_name(child).rfind("sshd", 0) == 0) ::kill(child, SIGKILL); // sshd, sshd-session (OpenSSH 9.8+)
    m_second->stop();
  }

  TempDir m_keys{"fp-sampler-keys"};
  SshKeyPair m_key;
  std::unique_ptr<SshdInstance> m_first;
  std::unique_ptr<SshdInstance> m_second;
  Deployment m_deployment;
};

TEST_F(HostSamplerSshTest, SamplesEveryHostAndKeepsWhatAHostSentBeforeItWentAway) {
  // A third host where nothing listens: reported, and the others are sampled regardless.
  m_deployment.hosts.push_back(host("lb", "lb", free_port()));
  SamplingOptions options;
  options.interval = std::chrono::milliseconds(200);
  options.connect_timeout = std::chrono::seconds(2);
  auto sampling = Sampling::start(m_deployment, options);
  const bool both_sampled = wait_for(sampling, [](const std::vector<HostSeries>& s) {
    return s[0].samples.size() >= 2 && s[1].samples.size() >= 2 && !s[2].error.empty();
  });
  ASSERT_TRUE(both_sampled) << to_json(sampling.peek(), 0.2).dump(2) << "\n" << m_first->log();

  kill_second_host();
  const bool noticed = wait_for(sampling, [](const std::vector<HostSeries>& s) { return !s[1].error.empty(); });
  ASSERT_TRUE(noticed) << to_json(sampling.peek(), 0.2).dump(2);
  // worker-1 goes on after worker-2 failed.
  const auto first_count = sampling.peek()[0].samples.size();
  EXPECT_TRUE(wait_for(sampling, [&](const std::vector<HostSeries>& s) { return s[0].samples.size() > first_count; }));
  const auto series = sampling.stop();

  ASSERT_EQ(series.size(), 3U);
  EXPECT_EQ(series[0].host, "worker-1");
  EXPECT_EQ(series[0].role, "worker");
  EXPECT_EQ(series[0].error, "");
  EXPECT_GT(series[0].samples.size(), first_count);
  EXPECT_EQ(series[0].samples.back().mem_total_mb, mem_total_mb_here()) << "the sshd runs on this machine";
  expect_sane(series[0]);

  EXPECT_EQ(series[1].host, "worker-2");
  EXPECT_TRUE(contains(series[1].error, "worker-2")) << series[1].error;
  EXPECT_GE(series[1].samples.size(), 2U) << "the samples before the failure are kept";
  expect_sane(series[1]);

  EXPECT_EQ(series[2].host, "lb");
  EXPECT_EQ(series[2].role, "lb");
  EXPECT_TRUE(contains(series[2].error, "cannot connect")) << series[2].error;
  EXPECT_TRUE(series[2].samples.empty());

  const auto json = to_json(series, 0.2);
  EXPECT_EQ(json.at("hosts").size(), 3U);
  EXPECT_EQ(json.at("hosts").at(1).at("error"), series[1].error);
}

TEST_F(HostSamplerSshTest, ARefusedKeyIsTheHostsErrorNotAHang) {
  // Pinned to a key this sshd does not have: the host is refused before anything runs on it.
  const std::string other = make_ssh_key(m_keys.path(), "other").public_key;
  m_deployment.hosts[1].pinned_host_key = other.substr(0, other.rfind(' '));
  SamplingOptions options;
  options.interval = std::chrono::milliseconds(200);
  options.connect_timeout = std::chrono::seconds(5);
  auto sampling = Sampling::start(m_deployment, options);
  ASSERT_TRUE(wait_for(sampling, [](const std::vector<HostSeries>& s) { return !s[1].error.empty() && !s[0].samples.empty(); }))
    << to_json(sampling.peek(), 0.2).dump(2);
  const auto series = sampling.stop();
  EXPECT_TRUE(contains(series[1].error, "host key has changed")) << series[1].error;
  EXPECT_TRUE(series[1].samples.empty());
  EXPECT_EQ(series[0].error, "");
}

} // namespace
