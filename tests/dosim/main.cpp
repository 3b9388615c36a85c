// dosim: the DigitalOcean API simulator. Binds flags to the library, prints the URL it listens on
// as the first line of stdout, serves until SIGTERM/SIGINT and exits 0. See docs/DOSIM.md.
#include "http_listener.hpp"
#include "netns_droplet_host.hpp"
#include "simulator.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

using namespace fp::dosim;

// A usage or configuration mistake: exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::pair<std::string, unsigned short> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  const std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  const std::string port_text = colon == std::string::npos ? "" : text.substr(colon + 1);
  unsigned long port = 0;
  std::size_t used = 0;
  try {
    port = std::stoul(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (host.empty() || used == 0 || used != port_text.size() || port > 65535) {
    throw UsageError("--listen: '" + text + "' is not HOST:PORT; write e.g. 127.0.0.1:0 (0: any free port)");
  }
  return {host, static_cast<unsigned short>(port)};
}

// --hosts: where droplets run. nullptr: the simulator's default (addresses only).
std::unique_ptr<DropletHost> make_droplet_host(const std::string& hosts) {
  if (hosts != "netns") return nullptr;
  NetnsHostOptions options;
  options.log = [](const std::string& message) { std::cerr << "dosim: " << message << std::endl; };
  auto host = NamespaceDropletHost::create(World::k_first_droplet_id, std::move(options));
  if (!host) throw UsageError("--hosts netns: " + host.error());
  return std::move(*host);
}

int serve(const std::string& listen, SimulatorOptions options, const std::string& faults_file, const std::string& hosts) {
  const auto [host, port] = parse_listen(listen);
  if (!faults_file.empty()) {
    auto document = read_config_file(faults_file);
    if (!document) throw UsageError("--faults: " + document.error());
    options.faults = *document;
  }
  // The simulator owns the host: when SIGTERM ends io.run() and serve returns, the simulator goes
  // and its host stops every droplet and removes the bridges (--hosts netns).
  auto simulator = Simulator::create(std::move(options), make_droplet_host(hosts));
  if (!simulator) throw UsageError(simulator.error());

  boost::asio::io_context io(1);
  auto listener = HttpListener::start(io, host, port, [&sim = **simulator](const ApiRequest& r) { return sim.handle(r); });
  if (!listener) throw UsageError(listener.error());
  const std::string url = "http://" + host + ":" + std::to_string((*listener)->port());
  (*simulator)->set_base_url(url);

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    (*listener)->stop();
    io.stop();
  });
  std::signal(SIGPIPE, SIG_IGN);
  std::printf("%s\n", url.c_str());
  std::fflush(stdout);
  io.run();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"dosim: a simulator of the DigitalOcean API subset fpctl uses (docs/DOSIM.md)", "dosim"};
  std::string listen = "127.0.0.1:0";
  std::string token;
  std::string faults_file;
  std::string state_dir;
  std::string spec = FP_DOSIM_DEFAULT_SPEC;
  double delay_scale = -1;
  std::string hosts = "addresses";
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one")->capture_default_str();
  app.add_option("--token", token, "accept only this bearer token (default: any non-empty token)");
  app.add_option("--faults", faults_file, "JSON or YAML file: delays, rate limits, account, fault rules");
  app.add_option("--state-dir", state_dir, "keep the account's state (and requests.jsonl) here across restarts");
  app.add_option("--delay-scale", delay_scale,
                 "multiply every simulated delay by this (0.01: 30 s become 0.3 s; 0: instant)");
  app.add_option("--spec", spec, "the bundled OpenAPI file requests are validated against")->capture_default_str();
  app.add_option("--hosts", hosts,
                 "where droplets run: addresses (in memory only) or netns (a network namespace with a real sshd "
                 "each; needs root)")
    ->check(CLI::IsMember({"addresses", "netns"}))
    ->capture_default_str();
  app.set_version_flag("--version", "dosim 0.1.0");
  try {
    app.parse(argc, argv);
    SimulatorOptions options;
    if (app.count("--token")) {
      if (token.empty()) throw UsageError("--token: the token must not be empty");
      options.token = token;
    }
    if (app.count("--delay-scale")) {
      if (delay_scale < 0) throw UsageError("--delay-scale: must be 0 or more");
      options.delay_scale = delay_scale;
    }
    options.state_dir = state_dir;
    options.spec = spec;
    return serve(listen, std::move(options), faults_file, hosts);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    std::cerr << "dosim: error: " << e.what() << "\nRun 'dosim --help' for usage.\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "dosim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "dosim: error: " << e.what() << "\n";
    return 1;
  }
}
