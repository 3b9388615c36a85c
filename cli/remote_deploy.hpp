// Deploying on droplets: the hosts of the state reached over SSH with the project's key, their
// host keys recorded on first contact and pinned after, and the database the plan names
// (a managed cluster's private connection, from the API).
#pragma once

#include "cloud/client.hpp"
#include "deploy/rollout.hpp"
#include "project.hpp"

namespace fp::cli {

// Throws with the rollout's summary when a host failed (what was done stays done; run again).
void deploy_droplets(const Project& project, infra::State& state, cloud::Client& client, deploy::Mode mode, bool restart);

} // namespace fp::cli
