// Configuring many hosts at once: one thread per host (up to `width`), each connects and runs the
// caller's work; progress per host goes to an observer; one host's failure is kept with its output
// and does not stop the others, which run to their own end. The report then says which hosts are
// done and which are not, so nothing is left half-done without saying so.
#pragma once

#include "ssh/error.hpp"
#include "ssh/session.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace fp::ssh {

struct HostJob {
  std::string name; // "worker-2": used in progress, errors and the summary
  SshTarget target;
  std::optional<std::string> pinned_host_key;
};

enum class HostPhase { connecting, retrying, connected, step, done, failed };

struct HostEvent {
  std::string host;
  HostPhase phase = HostPhase::connecting;
  std::string detail; // the step's text, the retry's reason, the failure's description
};

// Reports a step of the work ("nginx.conf written") as a HostPhase::step event.
using StepReporter = std::function<void(const std::string&)>;
using HostWork = std::function<tl::expected<void, SshError>(Session&, const StepReporter&)>;

struct ParallelOptions {
  std::size_t width = 8;  // hosts worked on at the same time
  ConnectOptions connect; // label, pinned key and on_retry are set per host
  // Called from the hosts' threads, one call at a time: the observer needs no lock of its own.
  std::function<void(const HostEvent&)> on_event;
};

struct HostOutcome {
  std::string name;
  std::optional<SshError> error; // empty: done
  std::string host_key;          // the key seen ("TYPE BASE64"), empty when never connected
  bool first_contact = false;    // no key was pinned: record host_key
  bool ok() const { return !error; }
};

struct ParallelReport {
  std::vector<HostOutcome> hosts; // in the order of the jobs
  bool all_done() const;
  std::vector<std::string> done() const;
  std::vector<std::string> not_done() const;
  // "2 of 3 hosts done (lb, worker-1); not done: worker-2: command exited with status 1: ..."
  std::string summary() const;
};

ParallelReport run_on_hosts(const std::vector<HostJob>& jobs, const HostWork& work, const ParallelOptions& options = {});

} // namespace fp::ssh
