// What a droplet of NamespaceDropletHost boots from: the files cloud-init and the image would have
// put in place (sshd's config and host key, root's authorized_keys, the user_data script, the
// hostname), written into the upper directories of the droplet's overlays and its own /root, and
// the script its first process runs inside the new namespaces.
#pragma once

#include "droplet_host.hpp"

#include <filesystem>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::dosim {

// The directories overlaid inside a droplet (lower: the host's; upper: the droplet's own).
const std::vector<std::string>& overlaid_directories(); // "etc", "opt", "var", "usr/local"

// The droplet's /root (bind-mounted): its own, with Debian's default dotfiles and authorized_keys.
std::filesystem::path root_home(const std::filesystem::path& dir);

// Where directory `overlaid` keeps its upper and work directories under the droplet's `dir`.
std::filesystem::path overlay_upper(const std::filesystem::path& dir, const std::string& overlaid);
std::filesystem::path overlay_work(const std::filesystem::path& dir, const std::string& overlaid);

// Creates the overlay directories and writes the boot files. `listen` are the addresses sshd binds.
tl::expected<void, std::string> prepare_droplet_files(const std::filesystem::path& dir, const DropletPlacement& placement,
                                                      const std::vector<std::string>& listen);

// /bin/sh -c boot_script() fp-droplet-boot DIR HOSTNAME: mounts the overlays and a fresh /run and
// /tmp, sets the hostname, starts sshd, runs user_data in the background, then stays as the pid
// namespace's init (reaping orphans) until it is killed.
const std::string& boot_script();

// The droplet's hostname: its name, cut to what sethostname accepts.
std::string droplet_hostname(const std::string& name);

// The file sshd writes once it listens, as seen from inside the droplet.
inline constexpr const char* k_sshd_pid_file = "run/sshd.pid";

} // namespace fp::dosim
