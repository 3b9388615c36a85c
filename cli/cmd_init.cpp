#include "cmd_init.hpp"

#include "config.hpp"
#include "errors.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

namespace fp::cli {
namespace {

// The template's `provider:` line set to `provider`, its comment kept.
std::string with_provider(std::string text, const std::string& provider) {
  const std::string key = "\nprovider: ";
  const auto at = text.find(key);
  if (at == std::string::npos) return text;
  const auto value = at + key.size();
  const auto end = text.find_first_of(" \n", value);
  return text.replace(value, end - value, provider);
}

} // namespace

CLI::App* add_init_command(CLI::App& app, InitOptions& o) {
  auto* cmd = app.add_subcommand("init", "Write a commented fpctl.yaml with every setting at its default");
  cmd->add_option("file", o.file, "Where to write it")->capture_default_str();
  cmd->add_flag("--force", o.force, "Overwrite the file if it exists");
  auto* local = cmd->add_flag("--local", o.local, "Run the architecture as processes on this machine (provider: local; the default)");
  cmd->add_flag("--digitalocean", o.digitalocean, "Create it on DigitalOcean (provider: digitalocean)")->excludes(local);
  return cmd;
}

int run_init(const InitOptions& o) {
  const std::filesystem::path path(o.file);
  std::error_code error;
  if (std::filesystem::exists(path, error) && !o.force) {
    throw UsageError(o.file + " already exists; edit it, or run 'fpctl init --force " + o.file + "' to replace it with the defaults");
  }
  if (std::filesystem::is_directory(path, error)) throw UsageError(o.file + " is a directory; give a file name, e.g. fpctl.yaml");
  // Written next to the target and renamed, so an interrupted init never leaves half a file.
  const std::filesystem::path temporary = o.file + ".fpctl-tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << with_provider(std::string(plan::config_template()), o.digitalocean ? "digitalocean" : "local");
    out.close();
    if (!out) throw std::runtime_error("cannot write " + temporary.string() + ": " + std::generic_category().message(errno));
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw std::runtime_error("cannot write " + o.file + ": " + error.message());
  }
  const std::string config = o.file == "fpctl.yaml" ? "" : " -c " + o.file;
  std::cout << "wrote " << o.file << ": every setting at its default, with comments (provider: "
            << (o.digitalocean ? "digitalocean" : "local") << "). Edit it, then run 'fpctl cost" << config << "' and 'fpctl up"
            << config << "'.\n";
  return k_exit_ok;
}

} // namespace fp::cli
