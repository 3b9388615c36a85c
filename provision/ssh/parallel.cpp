#include "ssh/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace fp::ssh {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

class Observer {
public:
  explicit Observer(const std::function<void(const HostEvent&)>& on_event) : m_on_event(on_event) {}
  void operator()(const std::string& host, HostPhase phase, const std::string& detail) {
    if (!m_on_event) return;
    std::lock_guard lock(m_mutex);
    m_on_event(HostEvent{host, phase, detail});
  }

private:
  const std::function<void(const HostEvent&)>& m_on_event;
  std::mutex m_mutex;
};

HostOutcome configure(const HostJob& job, const HostWork& work, const ParallelOptions& options, Observer& observe) {
  HostOutcome outcome{job.name, std::nullopt, {}, false};
  const auto fail = [&](SshError error) {
    if (error.host.empty()) error.host = job.name;
    observe(job.name, HostPhase::failed, error.describe());
    outcome.error = std::move(error);
    return outcome;
  };
  try {
    observe(job.name, HostPhase::connecting, job.target.label());
    ConnectOptions connect_options = options.connect;
    connect_options.label = job.name;
    connect_options.pinned_host_key = job.pinned_host_key;
    connect_options.on_retry = [&](const ConnectProgress& progress) {
      observe(job.name, HostPhase::retrying, "attempt " + std::to_string(progress.attempt) + ": " + progress.error);
    };
    auto session = connect(job.target, connect_options);
    if (!session) return fail(session.error());
    outcome.host_key = session->host_key().text();
    outcome.first_contact = session->first_contact();
    observe(job.name, HostPhase::connected, outcome.first_contact ? "host key recorded on first contact" : "");
    const StepReporter step = [&](const std::string& text) { observe(job.name, HostPhase::step, text); };
    auto result = work(*session, step);
    if (!result) return fail(result.error());
    observe(job.name, HostPhase::done, "");
  } catch (const std::exception& exception) { // bad_alloc or a bug in the work: this host fails, not the run
    return fail(make_error(ErrorKind::protocol, job.name, std::string("internal error: ") + exception.what()));
  }
  return outcome;
}

} // namespace

bool ParallelReport::all_done() const {
  return std::all_of(hosts.begin(), hosts.end(), [](const HostOutcome& host) { return host.ok(); });
}

std::vector<std::string> ParallelReport::done() const {
  std::vector<std::string> names;
  for (const auto& host : hosts)
    if (host.ok()) names.push_back(host.name);
  return names;
}

std::vector<std::string> ParallelReport::not_done() const {
  std::vector<std::string> names;
  for (const auto& host : hosts)
    if (!host.ok()) names.push_back(host.name);
  return names;
}

std::string ParallelReport::summary() const {
  const auto finished = done();
  std::string text = std::to_string(finished.size()) + " of " + std::to_string(hosts.size()) + " hosts done";
  if (!finished.empty()) text += " (" + joined(finished) + ")";
  if (all_done()) return text;
  text += "; not done: " + joined(not_done());
  for (const auto& host : hosts)
    if (host.error) text += "\n" + host.error->describe();
  return text;
}

ParallelReport run_on_hosts(const std::vector<HostJob>& jobs, const HostWork& work, const ParallelOptions& options) {
  ParallelReport report;
  report.hosts.resize(jobs.size());
  Observer observe(options.on_event);
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) report.hosts[i] = configure(jobs[i], work, options, observe);
  };
  const std::size_t width = std::clamp<std::size_t>(options.width, 1, std::max<std::size_t>(jobs.size(), 1));
  std::vector<std::thread> threads;
  threads.reserve(width);
  for (std::size_t t = 0; t < width; ++t) threads.emplace_back(worker);
  for (auto& thread : threads) thread.join();
  return report;
}

} // namespace fp::ssh
