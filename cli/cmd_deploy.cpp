#include "cmd_deploy.hpp"

#include "errors.hpp"
#include "local_provider.hpp"
#include "project.hpp"
#include "remote_deploy.hpp"

namespace fp::cli {

CLI::App* add_deploy_command(CLI::App& app, DeployOptions& o) {
  auto* cmd = app.add_subcommand("deploy", "Re-install fp-order-server and the configurations on the existing hosts, "
                                           "one worker at a time, without failing a client's request");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_flag("--restart", o.restart, "Restart every server (rolling) even when nothing changed");
  cmd->add_flag("-v,--verbose", o.verbose, "Log every API request and response (the token is redacted)");
  return cmd;
}

int run_deploy(const DeployOptions& o) {
  const Project project = load_project(o.config);
  if (project.plan.provider == plan::Provider::local) return local_deploy(project, o.restart);
  infra::State state = load_state_for(project);
  cloud::Client client = connect(project.plan, o.verbose);
  deploy_droplets(project, state, client, deploy::Mode::rolling, o.restart);
  return k_exit_ok;
}

} // namespace fp::cli
