// fpctl.yaml -> Plan. Every mistake becomes `file:line:column: field: what was expected, got what`,
// with "did you mean" for misspelt keys and words: a config that silently ignored a typo would
// price, create or tear down something other than what its author meant.
#include "config.hpp"
#include "suggest.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace fp::plan {

std::string ConfigError::what() const {
  std::string out = file.empty() ? std::string("fpctl.yaml") : file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  return out + ": " + message;
}

namespace {

// Thrown only inside this file and turned into a ConfigError by parse_plan: the checks are many
// and nested, and an exception keeps each of them one line.
struct Failure {
  YAML::Mark mark;
  std::string message;
};

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: return "a mapping";
  case YAML::NodeType::Sequence: return "a list";
  case YAML::NodeType::Null: return "nothing";
  case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
  default: return "nothing";
  }
}

class Reader {
public:
  explicit Reader(Plan& plan) : m_plan(plan) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw Failure{node.IsDefined() ? node.Mark() : YAML::Mark::null_mark(), message};
  }

  void mark(const std::string& field, const YAML::Node& node) {
    if (!node.IsDefined()) return;
    const YAML::Mark m = node.Mark();
    if (!m.is_null()) m_plan.marks[field] = SourceMark{m.line + 1, m.column + 1};
  }

  // Calls `on_key(key, value)` for each entry after checking the key is known and unique. A null
  // section (`ssh:` with nothing under it) keeps every default.
  template <typename OnKey>
  void mapping(const YAML::Node& node, const std::string& what, const std::vector<std::string>& keys, OnKey on_key) {
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      fail(node, what + ": expected a mapping of " + join_alternatives(keys, " and ") + ", got " + describe(node));
    }
    std::vector<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) fail(key, what + ": a key must be a plain word");
      const std::string name = key.Scalar();
      const std::string field = what.empty() ? name : what + "." + name;
      if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
        const std::string hint = closest(name, keys);
        fail(key, "unknown key '" + field + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                      " (" + (what.empty() ? "top-level keys" : what + " takes") + ": " + join_alternatives(keys, " and ") +
                      ")");
      }
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) fail(key, field + ": given twice");
      seen.push_back(name);
      mark(field, it->second);
      on_key(name, field, it->second);
    }
  }

  std::string scalar(const YAML::Node& node, const std::string& field, const std::string& expected) {
    if (!node.IsScalar()) fail(node, field + ": expected " + expected + ", got " + describe(node));
    return node.Scalar();
  }

  int whole(const YAML::Node& node, const std::string& field, int low, int high) {
    const std::string expected = "a whole number from " + std::to_string(low) + " to " + std::to_string(high);
    const std::string text = scalar(node, field, expected);
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
      fail(node, field + ": expected " + expected + ", got '" + text + "'");
    }
    return value;
  }

  bool boolean(const YAML::Node& node, const std::string& field) {
    const std::string text = scalar(node, field, "true or false");
    std::string word = text;
    for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "true" || word == "yes" || word == "on") return true;
    if (word == "false" || word == "no" || word == "off") return false;
    fail(node, field + ": expected true or false, got '" + text + "'");
  }

  template <typename Enum>
  Enum choice(const YAML::Node& node, const std::string& field, const std::vector<std::pair<std::string, Enum>>& words) {
    std::vector<std::string> names;
    for (const auto& [name, value] : words) names.push_back(name);
    const std::string text = scalar(node, field, "one of " + join_alternatives(names));
    for (const auto& [name, value] : words) {
      if (name == text) return value;
    }
    const std::string hint = closest(text, names);
    fail(node, field + ": expected " + join_alternatives(names) + ", got '" + text + "'" +
                   (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }

  // A slug such as a size or region name: lowercase letters, digits, '-' and '_'.
  std::string slug(const YAML::Node& node, const std::string& field, const std::string& example) {
    const std::string text = scalar(node, field, example);
    const bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!ok) fail(node, field + ": expected " + example + " (lowercase letters, digits and '-'), got '" + text + "'");
    return text;
  }

private:
  Plan& m_plan;
};

// "65", "65.5", "65.50" -> 6500 cents, exactly (no binary floating point on money).
bool parse_cents(const std::string& text, std::int64_t& cents) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  const auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 9 || !digits(whole) || !digits(fraction) || fraction.size() > 2) return false;
  if (dot != std::string::npos && fraction.empty()) return false;
  cents = std::stoll(whole) * 100;
  if (!fraction.empty()) cents += std::stoll(fraction) * (fraction.size() == 1 ? 10 : 1);
  return true;
}

bool valid_project(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool valid_cidr(const std::string& text) {
  const auto slash = text.find('/');
  const std::string address = text.substr(0, slash);
  unsigned char buffer[16];
  int bits = 0;
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) {
    bits = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) {
    bits = 128;
  } else {
    return false;
  }
  if (slash == std::string::npos) return true;
  const std::string prefix = text.substr(slash + 1);
  int value = -1;
  const auto [end, error] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), value);
  return !prefix.empty() && error == std::errc() && end == prefix.data() + prefix.size() && value >= 0 && value <= bits;
}

void read_plan(Reader& r, const YAML::Node& root, Plan& plan) {
  if (!root.IsDefined() || root.IsNull()) return; // empty file: every default
  const std::vector<std::string> top = {"project", "provider", "region",   "api_url", "image", "ssh",
                                        "load_balancer", "workers", "database", "extras", "budget"};
  r.mapping(root, "", top, [&](const std::string& key, const std::string& field, const YAML::Node& value) {
    if (key == "project") {
      plan.project = r.scalar(value, field, "a project name such as fp-orders");
      if (!valid_project(plan.project)) {
        r.fail(value, field + ": expected 1 to 32 lowercase letters, digits and '-' (starting and ending with a letter "
                              "or digit; it names droplets and tags), got '" + plan.project + "'");
      }
    } else if (key == "provider") {
      plan.provider = r.choice<Provider>(value, field, {{"digitalocean", Provider::digitalocean}, {"local", Provider::local}});
    } else if (key == "region") {
      plan.region = r.slug(value, field, "a region slug such as sgp1");
    } else if (key == "api_url") {
      plan.api_url = r.scalar(value, field, "a URL such as https://api.digitalocean.com");
      if (plan.api_url.rfind("https://", 0) != 0 && plan.api_url.rfind("http://", 0) != 0) {
        r.fail(value, field + ": expected a URL starting with https:// (or http:// for a local simulator), got '" +
                          plan.api_url + "'");
      }
    } else if (key == "image") {
      plan.image = r.slug(value, field, "an image slug such as debian-12-x64");
    } else if (key == "ssh") {
      r.mapping(value, field, {"key", "allow_from"}, [&](const std::string& k, const std::string& f, const YAML::Node& v) {
        if (k == "key") {
          plan.ssh.key = r.scalar(v, f, "a path to a private key such as ~/.ssh/id_ed25519");
        } else {
          if (!v.IsSequence()) r.fail(v, f + ": expected a list such as [auto] or [203.0.113.7/32], got " + describe(v));
          plan.ssh.allow_from.clear();
          for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string item_field = f + "[" + std::to_string(i) + "]";
            const std::string cidr = r.scalar(v[i], item_field, "auto or an address/prefix such as 203.0.113.7/32");
            if (cidr != "auto" && !valid_cidr(cidr)) {
              r.fail(v[i], item_field + ": expected auto or an address/prefix such as 203.0.113.7/32, got '" + cidr + "'");
            }
            plan.ssh.allow_from.push_back(cidr);
          }
          if (plan.ssh.allow_from.empty()) {
            r.fail(v, f + ": an empty list would lock everyone out of SSH; write [auto] for this machine's address");
          }
        }
      });
    } else if (key == "load_balancer") {
      auto& lb = plan.load_balancer;
      r.mapping(value, field, {"kind", "size", "nodes"}, [&](const std::string& k, const std::string& f, const YAML::Node& v) {
        if (k == "kind") {
          lb.kind = r.choice<LoadBalancerKind>(
              v, f, {{"droplet", LoadBalancerKind::droplet}, {"managed", LoadBalancerKind::managed}, {"none", LoadBalancerKind::none}});
        } else if (k == "size") {
          lb.size = r.slug(v, f, "a droplet size slug such as s-1vcpu-1gb");
        } else {
          lb.nodes = r.whole(v, f, 1, k_max_lb_nodes);
        }
      });
    } else if (key == "workers") {
      auto& w = plan.workers;
      r.mapping(value, field, {"size", "count", "port"}, [&](const std::string& k, const std::string& f, const YAML::Node& v) {
        if (k == "size") {
          w.size = r.slug(v, f, "a droplet size slug such as s-1vcpu-2gb");
        } else if (k == "count") {
          w.count = r.whole(v, f, 1, k_max_workers);
        } else {
          w.port = r.whole(v, f, 1, 65535);
        }
      });
    } else if (key == "database") {
      auto& db = plan.database;
      r.mapping(value, field, {"kind", "engine", "version", "size", "nodes"},
                [&](const std::string& k, const std::string& f, const YAML::Node& v) {
        if (k == "kind") {
          db.kind = r.choice<DatabaseKind>(
              v, f, {{"managed", DatabaseKind::managed}, {"droplet", DatabaseKind::droplet}, {"embedded", DatabaseKind::embedded}});
        } else if (k == "engine") {
          const std::string engine = r.scalar(v, f, "pg");
          if (engine != "pg") {
            r.fail(v, f + ": expected pg (fp-order-server stores orders in PostgreSQL, or SQLite with kind: embedded), got '" +
                          engine + "'");
          }
          db.engine = engine;
        } else if (k == "version") {
          db.version = r.scalar(v, f, "a PostgreSQL major version such as \"16\"");
        } else if (k == "size") {
          db.size = r.slug(v, f, "a size slug such as db-s-1vcpu-1gb");
        } else {
          db.nodes = r.whole(v, f, 1, k_max_db_nodes);
        }
      });
    } else if (key == "extras") {
      auto& x = plan.extras;
      r.mapping(value, field, {"backups", "monitoring", "reserved_ip", "volume_gb"},
                [&](const std::string& k, const std::string& f, const YAML::Node& v) {
        if (k == "backups") x.backups = r.boolean(v, f);
        else if (k == "monitoring") x.monitoring = r.boolean(v, f);
        else if (k == "reserved_ip") x.reserved_ip = r.boolean(v, f);
        else x.volume_gb = r.whole(v, f, 0, k_max_volume_gb);
      });
    } else if (key == "budget") {
      auto& b = plan.budget;
      r.mapping(value, field, {"usd_per_month", "idr_per_usd"}, [&](const std::string& k, const std::string& f, const YAML::Node& v) {
        if (k == "usd_per_month") {
          const std::string text = r.scalar(v, f, "an amount in US$ such as 65 or 65.50");
          std::int64_t cents = 0;
          if (!parse_cents(text, cents) || cents <= 0) {
            r.fail(v, f + ": expected an amount in US$ above 0 with at most 2 decimals, such as 65 or 65.50, got '" + text + "'");
          }
          b.usd_cents_per_month = cents;
        } else {
          b.idr_per_usd = r.whole(v, f, 1, 1'000'000);
        }
      });
    }
  });
}

} // namespace

tl::expected<std::int64_t, std::string> parse_usd_cents(std::string_view text) {
  std::int64_t cents = 0;
  if (!parse_cents(std::string(text), cents) || cents <= 0) {
    return tl::unexpected("expected an amount in US$ above 0 with at most 2 decimals, such as 65 or 65.50, got '" +
                          std::string(text) + "'");
  }
  return cents;
}

tl::expected<Plan, ConfigError> parse_plan(std::string_view text, const std::string& file_name) {
  Plan plan;
  plan.file = file_name;
  Reader reader(plan);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
      return tl::unexpected(ConfigError{file_name, root.Mark().line + 1, root.Mark().column + 1,
                                        "expected a mapping of settings (project:, region:, workers: ...), got " +
                                            describe(root)});
    }
    read_plan(reader, root, plan);
  } catch (const Failure& failure) {
    const bool known = !failure.mark.is_null();
    return tl::unexpected(ConfigError{file_name, known ? failure.mark.line + 1 : 0, known ? failure.mark.column + 1 : 0,
                                      failure.message});
  } catch (const YAML::Exception& error) {
    // Syntax errors (a tab for indentation, an unclosed quote): yaml-cpp knows where.
    const bool known = !error.mark.is_null();
    return tl::unexpected(ConfigError{file_name, known ? error.mark.line + 1 : 0, known ? error.mark.column + 1 : 0,
                                      "not valid YAML: " + error.msg});
  }
  return plan;
}

tl::expected<Plan, ConfigError> load_plan(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return tl::unexpected(ConfigError{path.string(), 0, 0,
                                      "cannot read: " + std::generic_category().message(errno) +
                                          " (create one with 'fpctl init', or give another with -c FILE)"});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_plan(text.str(), path.string());
}

} // namespace fp::plan
