// The Plan: fpctl.yaml parsed into plain values — the architecture every command reads (what to
// price, create, deploy and load-test). Every field has a default (documented in
// templates/fpctl.yaml), so an empty file, and no file at all, is a valid plan.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fp::plan {

enum class Provider { digitalocean, local };
enum class LoadBalancerKind { droplet, managed, none };
enum class DatabaseKind { managed, droplet, embedded };

std::string_view to_string(Provider provider);
std::string_view to_string(LoadBalancerKind kind);
std::string_view to_string(DatabaseKind kind);

struct Ssh {
  std::string key;                              // empty: fpctl generates one into .fpctl/
  std::vector<std::string> allow_from{"auto"};  // CIDRs allowed to reach port 22; "auto" = operator's address
};

struct LoadBalancer {
  LoadBalancerKind kind = LoadBalancerKind::droplet;
  std::string size = "s-1vcpu-1gb"; // kind droplet: the nginx droplet's size
  int nodes = 1;                    // kind managed: DigitalOcean load balancer nodes
};

struct Workers {
  std::string size = "s-1vcpu-2gb";
  int count = 2;
  int port = 8080; // fp-order-server's port on each worker
};

struct Database {
  DatabaseKind kind = DatabaseKind::managed;
  std::string engine = "pg";
  std::string version = "16";
  std::string size = "db-s-1vcpu-1gb"; // managed: a database size slug; droplet: a droplet size slug
  int nodes = 1;                       // managed: primary + standbys
};

struct Extras {
  bool backups = false;      // weekly droplet backups
  bool monitoring = true;    // DigitalOcean's metrics agent
  bool reserved_ip = false;  // a reserved IPv4 on the entry point
  int volume_gb = 0;         // a block storage volume for the database (0: none)
};

// Money in the plan is kept exact: cents, and whole rupiah per US$.
struct Budget {
  std::int64_t usd_cents_per_month = 6500;
  // The course's own conversion: Rp 1,000,000 = 65 US$, i.e. Rp 15,385 per US$ (rounded).
  std::int64_t idr_per_usd = 15385;
};

// Where a value came from in the file (1-based), so that checks made later (sizes against the
// price catalog) can point at the line too. Keyed by the dotted field name, e.g. "workers.size".
struct SourceMark {
  int line = 0;
  int column = 0;
};

struct Plan {
  std::string project = "fp-orders";
  Provider provider = Provider::local;
  std::string region = "sgp1";
  std::string api_url = "https://api.digitalocean.com";
  std::string image = "debian-12-x64";
  Ssh ssh;
  LoadBalancer load_balancer;
  Workers workers;
  Database database;
  Extras extras;
  Budget budget;

  std::string file;                          // the file it came from ("" for the embedded default)
  std::map<std::string, SourceMark> marks;   // field -> position in `file`

  // "fpctl.yaml:7:9: " for a field read from a file, "" otherwise.
  std::string where(const std::string& field) const;
};

// Same architecture, budget and settings (file and marks are ignored).
bool same_settings(const Plan& a, const Plan& b);

} // namespace fp::plan
