// provider: local: the plan's roles as processes on this machine — N fp-order-server workers on
// loopback ports and nginx in front of them on another — each in a directory of its own under
// .fpctl/local/, deployed by the same steps a droplet gets (deploy/steps.hpp, without systemd:
// pid files). Nothing is billed, so nothing is asked; processes are stopped by their recorded pids.
#pragma once

#include "project.hpp"

namespace fp::cli {

struct LocalUpOptions {
  bool dry_run = false;
};
int local_up(const Project& project, const LocalUpOptions& options);
int local_status(const Project& project);
// Rolling redeploy of the workers, then the load balancer.
int local_deploy(const Project& project, bool restart);
// Stops every process, deletes .fpctl/local/ (the SQLite data with it) and the state's records.
int local_teardown(const Project& project, bool yes);

} // namespace fp::cli
