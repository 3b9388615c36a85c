#include "deploy/open_host.hpp"

namespace fp::deploy {

tl::expected<OpenHost, HostError> open_host(const Deployment& deployment, const HostSpec& spec, const OpenOptions& options) {
  OpenHost open;
  if (deployment.local) {
    open.host = std::make_unique<LocalHost>(spec.name);
    return open;
  }
  ssh::SshTarget target{spec.address, static_cast<unsigned short>(spec.ssh_port), deployment.ssh_user, deployment.identity};
  ssh::ConnectOptions connect;
  connect.label = spec.name;
  connect.pinned_host_key = spec.pinned_host_key;
  connect.total_timeout = options.connect_timeout;
  connect.attempt_timeout = options.attempt_timeout;
  if (options.on_retry)
    connect.on_retry = [&](const ssh::ConnectProgress& p) {
      options.on_retry("waiting for SSH (" + p.error + "), attempt " + std::to_string(p.attempt + 1));
    };
  auto session = ssh::connect(target, connect);
  if (!session) return tl::unexpected(session.error());
  open.host_key = session->host_key().text();
  open.first_contact = session->first_contact();
  open.session = std::make_unique<ssh::Session>(std::move(*session));
  open.host = std::make_unique<SshHost>(spec.name, *open.session);
  return open;
}

} // namespace fp::deploy
