#include "droplet_boot.hpp"

#include "host_command.hpp"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace fp::dosim {
namespace {

std::string flattened(const std::string& overlaid) {
  std::string name = overlaid;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

tl::expected<void, std::string> write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return tl::unexpected("cannot create " + path.parent_path().string() + ": " + ec.message());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return tl::unexpected("cannot write " + path.string());
  }
  if (::chmod(path.c_str(), mode) != 0) return tl::unexpected("cannot chmod " + path.string());
  return {};
}

tl::expected<void, std::string> make_directory(const std::filesystem::path& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return tl::unexpected("cannot create " + path.string() + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0) return tl::unexpected("cannot chmod " + path.string());
  return {};
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// An overlay's merged root takes the upper directory's owner and mode: give it the lower's, so
// /root stays 0700 (sshd's StrictModes checks it) and /tmp-like modes survive.
tl::expected<void, std::string> match_mode(const std::filesystem::path& upper, const std::filesystem::path& lower) {
  struct stat s {};
  if (::stat(lower.c_str(), &s) != 0) return tl::unexpected("cannot stat " + lower.string());
  if (::chmod(upper.c_str(), s.st_mode & 07777) != 0) return tl::unexpected("cannot chmod " + upper.string());
  return {};
}

} // namespace

const std::vector<std::string>& overlaid_directories() {
  static const std::vector<std::string> directories = {"etc", "opt", "var", "usr/local"};
  return directories;
}

std::filesystem::path overlay_upper(const std::filesystem::path& dir, const std::string& overlaid) {
  return dir / flattened(overlaid) / "upper";
}

std::filesystem::path overlay_work(const std::filesystem::path& dir, const std::string& overlaid) {
  return dir / flattened(overlaid) / "work";
}

std::filesystem::path root_home(const std::filesystem::path& dir) { return dir / "root-home"; }

std::string droplet_hostname(const std::string& name) { return name.substr(0, 63); }

tl::expected<void, std::string> prepare_droplet_files(const std::filesystem::path& dir, const DropletPlacement& placement,
                                                      const std::vector<std::string>& listen) {
  for (const auto& overlaid : overlaid_directories()) {
    const auto upper = overlay_upper(dir, overlaid);
    if (auto made = make_directory(upper, 0755); !made) return made;
    if (auto made = make_directory(overlay_work(dir, overlaid), 0700); !made) return made;
    if (auto matched = match_mode(upper, "/" + overlaid); !matched) return matched;
  }
  const auto etc = overlay_upper(dir, "etc");
  // /root is the droplet's own, not an overlay of the host's: an SSH session lands there, and a
  // fresh droplet's root has Debian's default dotfiles, not whatever the host's root set up.
  const auto root = root_home(dir);
  if (auto made = make_directory(root, 0700); !made) return made;
  for (const char* name : {"bashrc", "profile"}) {
    const std::filesystem::path skeleton = std::string("/usr/share/base-files/dot.") + name;
    if (!std::filesystem::exists(skeleton)) continue;
    if (auto w = write_file(root / (std::string(".") + name), read_text(skeleton), 0644); !w) return w;
  }
  const auto var = overlay_upper(dir, "var");

  // sshd as on a fresh droplet: its own host key, keys only, root by key.
  std::string config;
  for (const auto& address : listen) config += "ListenAddress " + address + ":22\n";
  config += "HostKey /etc/ssh/ssh_host_ed25519_key\n"
            "PidFile /run/sshd.pid\n"
            "AuthorizedKeysFile .ssh/authorized_keys\n"
            "PermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "Subsystem sftp internal-sftp\n";
  if (auto written = write_file(etc / "ssh/sshd_config", config, 0644); !written) return written;
  std::error_code ec;
  std::filesystem::remove(etc / "ssh/ssh_host_ed25519_key", ec);
  std::filesystem::remove(etc / "ssh/ssh_host_ed25519_key.pub", ec);
  auto made = run_tool({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@" + droplet_hostname(placement.name), "-f",
                        (etc / "ssh/ssh_host_ed25519_key").string()});
  if (!made) return tl::unexpected(made.error());

  const std::string hostname = droplet_hostname(placement.name);
  if (auto w = write_file(etc / "hostname", hostname + "\n", 0644); !w) return w;
  if (auto w = write_file(etc / "hosts", read_text("/etc/hosts") + "127.0.1.1 " + hostname + "\n", 0644); !w) return w;

  std::string keys;
  for (const auto& k : placement.ssh_public_keys) keys += k + "\n";
  if (auto m = make_directory(root / ".ssh", 0700); !m) return m;
  if (auto w = write_file(root / ".ssh/authorized_keys", keys, 0600); !w) return w;

  // user_data where cloud-init keeps it; a script (#!) is run at boot, anything else is noted.
  const auto instance = var / "lib/cloud/instance";
  if (!placement.user_data.empty()) {
    if (auto w = write_file(instance / "user-data.txt", placement.user_data, 0600); !w) return w;
  }
  if (placement.user_data.rfind("#!", 0) == 0) {
    if (auto w = write_file(instance / "scripts/part-001", placement.user_data, 0700); !w) return w;
  } else if (!placement.user_data.empty()) {
    const std::string note = placement.user_data.rfind("#cloud-config", 0) == 0
                               ? "dosim: #cloud-config user_data is not interpreted; only scripts (#!) run\n"
                               : "dosim: user_data is not a script (#!); ignored\n";
    if (auto w = write_file(var / "log/cloud-init-output.log", note, 0644); !w) return w;
  }
  return {};
}

const std::string& boot_script() {
  // $1: the droplet's directory on the host; $2: its hostname. Runs as pid 1 of the droplet's pid
  // namespace: when it dies the kernel kills every process of the droplet.
  static const std::string script = R"(set -e
d=$1
for m in etc opt var usr/local; do
  n=$(echo "$m" | tr / _)
  mount -t overlay overlay -o "lowerdir=/$m,upperdir=$d/$n/upper,workdir=$d/$n/work" "/$m"
done
mount --bind "$d/root-home" /root
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
hostname "$2"
mkdir -p -m 0755 /run/sshd /var/log
/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config >>/var/log/sshd.log 2>&1 &
set +e
i=/var/lib/cloud/instance
if [ -x $i/scripts/part-001 ]; then
  (cd / && $i/scripts/part-001; echo "dosim: user_data script exited with status $?"; touch $i/boot-finished) </dev/null >>/var/log/cloud-init-output.log 2>&1 &
else
  mkdir -p $i && touch $i/boot-finished
fi
# While a job runs, wait reaps every child, orphans included: this shell is the droplet's init.
while :; do sleep 3600 & wait; done
)";
  return script;
}

} // namespace fp::dosim
