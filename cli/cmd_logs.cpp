#include "cmd_logs.hpp"

#include "errors.hpp"
#include "hosts.hpp"
#include "project.hpp"

#include "ssh/exec.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace fp::cli {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds k_poll{200}; // how often --follow looks for appended data (and for Ctrl-C)
constexpr std::size_t k_chunk = 64 * 1024;

// One local log file being shown: where it is and how much of it has been printed.
struct Followed {
  std::filesystem::path path;
  std::uintmax_t offset = 0;
  bool present = false;
};

std::uintmax_t size_of(const std::filesystem::path& path, bool& present) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  present = !error;
  return error ? 0 : size;
}

// Where the last `lines` lines of the file's first `size` bytes start: read backwards in chunks
// until enough line ends are seen, so a large log is not read whole.
std::uintmax_t start_of_last_lines(std::ifstream& in, std::uintmax_t size, int lines) {
  if (lines <= 0) return size;
  std::uintmax_t position = size;
  int seen = 0;
  std::string chunk;
  while (position > 0) {
    const std::uintmax_t length = std::min<std::uintmax_t>(k_chunk, position);
    position -= length;
    chunk.resize(static_cast<std::size_t>(length));
    in.seekg(static_cast<std::streamoff>(position));
    in.read(chunk.data(), static_cast<std::streamsize>(length));
    for (std::size_t i = chunk.size(); i > 0; --i) {
      // The file's last newline ends the last line rather than starting another.
      if (chunk[i - 1] != '\n' || position + i == size) continue;
      if (++seen == lines) return position + i;
    }
  }
  return 0;
}

// Prints bytes [from, to) of the file; returns where it stopped.
std::uintmax_t copy_range(const std::filesystem::path& path, std::uintmax_t from, std::uintmax_t to) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return from;
  in.seekg(static_cast<std::streamoff>(from));
  std::string buffer(k_chunk, '\0');
  std::uintmax_t position = from;
  while (position < to) {
    const auto want = static_cast<std::streamsize>(std::min<std::uintmax_t>(k_chunk, to - position));
    in.read(buffer.data(), want);
    const auto got = in.gcount();
    if (got <= 0) break;
    std::cout.write(buffer.data(), got);
    position += static_cast<std::uintmax_t>(got);
  }
  std::cout.flush();
  return position;
}

int local_logs(const Project& project, const Host& host, const LogsOptions& o, const std::atomic<bool>& stop) {
  const auto directory = local_host_directory(project, host);
  std::vector<Followed> files;
  for (const auto& relative : local_log_files(host.role())) files.push_back(Followed{directory / relative});
  if (files.empty()) throw UsageError("fpctl does not know where a host of role '" + host.role() + "' keeps its logs");
  const bool headers = files.size() > 1; // like tail: "==> file <==" when there are several
  int shown = 0;
  for (auto& f : files) {
    const auto size = size_of(f.path, f.present);
    if (!f.present) {
      std::cerr << "fpctl: no log at " << f.path.string() << (o.follow ? " yet; waiting for it" : "") << "\n";
      continue;
    }
    ++shown;
    std::ifstream in(f.path, std::ios::binary);
    if (headers) std::cout << (shown > 1 ? "\n" : "") << "==> " << f.path.string() << " <==\n";
    f.offset = copy_range(f.path, start_of_last_lines(in, size, o.lines), size);
  }
  if (!o.follow) return shown > 0 ? k_exit_ok : k_exit_failure;
  const Followed* last_printed = files.empty() ? nullptr : &files.back();
  while (!stop.load()) {
    std::this_thread::sleep_for(k_poll);
    for (auto& f : files) {
      bool present = false;
      const auto size = size_of(f.path, present);
      if (!present) continue;
      if (!f.present || size < f.offset) { // appeared, or truncated (rotated): from its start
        if (f.present) std::cerr << "fpctl: " << f.path.string() << " was truncated; following from its start\n";
        f.present = true;
        f.offset = 0;
      }
      if (size == f.offset) continue;
      if (headers && last_printed != &f) std::cout << "\n==> " << f.path.string() << " <==\n";
      last_printed = &f;
      f.offset = copy_range(f.path, f.offset, size);
    }
  }
  return k_exit_ok;
}

} // namespace

CLI::App* add_logs_command(CLI::App& app, LogsOptions& o) {
  auto* cmd = app.add_subcommand("logs", "Show a host's service log: fp-order-server (worker), nginx (lb), PostgreSQL (db)");
  cmd->footer(
    "Droplets (over SSH, like 'fpctl ssh'): with systemd, the journal (journalctl -u fp-order-server; PostgreSQL's log files, else\n"
    "its journal); without, /var/log/fpctl/fp-order-server.log and /var/log/postgresql/*.log. The load balancer shows\n"
    "/var/log/nginx/access.log and error.log. provider: local: the files in .fpctl/local/HOST/log/.\n"
    "Examples:\n  fpctl logs worker-1\n  fpctl logs lb -n 20 --follow");
  cmd->add_option("-c,--config", o.config, "The plan (default: ./fpctl.yaml)");
  cmd->add_option("host", o.host, "The host: lb, worker-N, db (or its full name, <project>-worker-N)")->required();
  cmd->add_option("-n,--lines", o.lines, "How many of the last lines to show (default 100)")->check(CLI::Range(0, 10000000));
  cmd->add_flag("-f,--follow", o.follow, "Keep showing lines as they are appended, until Ctrl-C");
  return cmd;
}

int run_logs(const LogsOptions& o, const std::atomic<bool>& stop) {
  const Project project = load_project(o.config);
  if (!project.note.empty()) std::cerr << "fpctl: " << project.note << "\n";
  const infra::State state = load_state_for(project);
  const Host host = resolve_host(state, o.host);
  if (host.local()) return local_logs(project, host, o, stop);

  const auto command = "sh -c " + ssh::shell_quote(remote_log_command(host.role(), o.lines, o.follow));
  const auto key = login_key(project);
  const auto known_hosts = write_known_hosts(project, state, host);
  const auto argv = ssh_argv(host, key, known_hosts, command);
  require_ssh_client();
  const int code = run_child(argv);
  if (o.follow && stop.load()) return k_exit_ok; // Ctrl-C is how --follow ends
  if (code == 255)
    if (auto changed = diagnose_host_key(host, key, state)) throw std::runtime_error(*changed);
  return code;
}

} // namespace fp::cli
