#include "faults.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace fp::dosim {
namespace {

using nlohmann::json;

std::string keys_of(const std::set<std::string>& keys) {
  std::string text;
  for (const auto& k : keys) text += (text.empty() ? "" : ", ") + k;
  return text;
}

// Unknown keys are errors: a misspelt fault would otherwise silently not happen.
std::optional<std::string> check_keys(const json& object, const std::string& where, const std::set<std::string>& known) {
  if (!object.is_object()) return where + " must be an object";
  for (const auto& [key, value] : object.items()) {
    if (!known.count(key)) return "unknown key '" + key + "' in " + where + " (expected one of: " + keys_of(known) + ")";
  }
  return std::nullopt;
}

template <typename T>
std::optional<std::string> read_number(const json& object, const char* key, const std::string& where, T& out,
                                       double minimum) {
  if (!object.contains(key)) return std::nullopt;
  const auto& value = object[key];
  if (!value.is_number()) return where + "." + key + " must be a number";
  const double number = value.get<double>();
  if (number < minimum) return where + "." + key + " must be at least " + std::to_string(static_cast<int>(minimum));
  if constexpr (std::is_integral_v<T>) {
    if (!value.is_number_integer()) return where + "." + key + " must be a whole number";
    out = value.get<T>();
  } else {
    out = number;
  }
  return std::nullopt;
}

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: {
    json object = json::object();
    for (const auto& item : node) object[item.first.as<std::string>()] = yaml_to_json(item.second);
    return object;
  }
  case YAML::NodeType::Sequence: {
    json array = json::array();
    for (const auto& item : node) array.push_back(yaml_to_json(item));
    return array;
  }
  case YAML::NodeType::Scalar: {
    const std::string text = node.Scalar();
    if (node.Tag() == "!") return text; // quoted: a string, whatever it looks like
    if (text == "true" || text == "false") return text == "true";
    if (text == "null" || text == "~") return nullptr;
    try {
      std::size_t used = 0;
      const long long integer = std::stoll(text, &used);
      if (used == text.size()) return integer;
      const double number = std::stod(text, &used);
      if (used == text.size()) return number;
    } catch (const std::exception&) {
    }
    return text;
  }
  default:
    return nullptr;
  }
}

} // namespace

bool glob_match(std::string_view glob, std::string_view path) {
  if (glob.empty()) return path.empty();
  if (glob.front() == '*') {
    for (std::size_t skip = 0; skip <= path.size(); ++skip) {
      if (glob_match(glob.substr(1), path.substr(skip))) return true;
    }
    return false;
  }
  return !path.empty() && glob.front() == path.front() && glob_match(glob.substr(1), path.substr(1));
}

tl::expected<Delays, std::string> apply_delays(Delays d, const json& overrides) {
  static const std::set<std::string> known = {"droplet_visible", "droplet_active",   "droplet_ips",
                                              "droplet_delete",  "database_visible", "database_online",
                                              "database_delete", "firewall_ready",   "load_balancer_active",
                                              "load_balancer_delete"};
  if (auto e = check_keys(overrides, "delays", known)) return tl::unexpected(*e);
  for (auto [key, field] : {std::pair{"droplet_visible", &d.droplet_visible}, {"droplet_active", &d.droplet_active},
                            {"droplet_ips", &d.droplet_ips}, {"droplet_delete", &d.droplet_delete},
                            {"database_visible", &d.database_visible}, {"database_online", &d.database_online},
                            {"database_delete", &d.database_delete}, {"firewall_ready", &d.firewall_ready},
                            {"load_balancer_active", &d.load_balancer_active},
                            {"load_balancer_delete", &d.load_balancer_delete}}) {
    if (auto e = read_number(overrides, key, "delays", *field, 0)) return tl::unexpected(*e);
  }
  return d;
}

tl::expected<Faults, std::string> parse_faults(const json& document) {
  Faults f;
  if (document.is_null()) return f;
  if (auto e = check_keys(document, "the faults document",
                          {"delay_scale", "delays", "rate_limits", "account", "unavailable_sizes",
                           "null_empty_database_list", "rules"})) {
    return tl::unexpected(*e);
  }
  if (auto e = read_number(document, "delay_scale", "faults", f.delay_scale, 0)) return tl::unexpected(*e);
  if (document.contains("delays")) {
    auto delays = apply_delays(f.delays, document["delays"]);
    if (!delays) return tl::unexpected(delays.error());
    f.delays = *delays;
  }
  if (document.contains("rate_limits")) {
    const auto& r = document["rate_limits"];
    if (auto e = check_keys(r, "rate_limits", {"hourly", "per_minute", "keys_per_minute"})) return tl::unexpected(*e);
    if (auto e = read_number(r, "hourly", "rate_limits", f.rate_limits.hourly, 1)) return tl::unexpected(*e);
    if (auto e = read_number(r, "per_minute", "rate_limits", f.rate_limits.per_minute, 1)) return tl::unexpected(*e);
    if (auto e = read_number(r, "keys_per_minute", "rate_limits", f.rate_limits.keys_per_minute, 1)) {
      return tl::unexpected(*e);
    }
  }
  if (document.contains("account")) {
    const auto& a = document["account"];
    if (auto e = check_keys(a, "account", {"droplet_limit", "status", "read_only"})) return tl::unexpected(*e);
    if (a.contains("read_only")) {
      if (!a["read_only"].is_boolean()) return tl::unexpected(std::string("account.read_only must be true or false"));
      f.account.read_only = a["read_only"].get<bool>();
    }
    if (auto e = read_number(a, "droplet_limit", "account", f.account.droplet_limit, 0)) return tl::unexpected(*e);
    if (a.contains("status")) {
      const auto& s = a["status"];
      if (!s.is_string() || (s != "active" && s != "warning" && s != "locked")) {
        return tl::unexpected(std::string("account.status must be one of: active, warning, locked"));
      }
      f.account.status = s.get<std::string>();
    }
  }
  if (document.contains("unavailable_sizes")) {
    const auto& list = document["unavailable_sizes"];
    if (!list.is_array()) return tl::unexpected(std::string("unavailable_sizes must be a list of {region, size}"));
    for (const auto& item : list) {
      if (auto e = check_keys(item, "unavailable_sizes[]", {"region", "size"})) return tl::unexpected(*e);
      if (!item.contains("region") || !item["region"].is_string() || !item.contains("size") || !item["size"].is_string()) {
        return tl::unexpected(std::string("unavailable_sizes[] needs region and size, both strings"));
      }
      f.unavailable_sizes.emplace_back(item["region"].get<std::string>(), item["size"].get<std::string>());
    }
  }
  if (document.contains("null_empty_database_list")) {
    if (!document["null_empty_database_list"].is_boolean()) {
      return tl::unexpected(std::string("null_empty_database_list must be true or false"));
    }
    f.null_empty_database_list = document["null_empty_database_list"].get<bool>();
  }
  if (document.contains("rules")) {
    const auto& rules = document["rules"];
    if (!rules.is_array()) return tl::unexpected(std::string("rules must be a list"));
    int index = 0;
    for (const auto& item : rules) {
      const std::string where = "rules[" + std::to_string(index++) + "]";
      if (auto e = check_keys(item, where,
                              {"method", "path", "nth", "count", "status", "retry_after", "message", "after_apply",
                               "create_fails", "delays"})) {
        return tl::unexpected(*e);
      }
      FaultRule rule;
      if (!item.contains("path") || !item["path"].is_string() || item["path"].get<std::string>().empty()) {
        return tl::unexpected(where + ".path is required: the request path to match, e.g. /v2/droplets or /v2/droplets/*");
      }
      rule.path = item["path"].get<std::string>();
      if (item.contains("method")) {
        if (!item["method"].is_string()) return tl::unexpected(where + ".method must be a string such as POST");
        rule.method = item["method"].get<std::string>();
        for (auto& c : rule.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (auto e = read_number(item, "nth", where, rule.nth, 1)) return tl::unexpected(*e);
      if (auto e = read_number(item, "count", where, rule.count, 0)) return tl::unexpected(*e);
      if (auto e = read_number(item, "status", where, rule.status, 0)) return tl::unexpected(*e);
      if (rule.status != 0 && (rule.status < 400 || rule.status > 599)) {
        return tl::unexpected(where + ".status must be an error status (400-599)");
      }
      if (item.contains("retry_after")) {
        int seconds = 0;
        if (auto e = read_number(item, "retry_after", where, seconds, 0)) return tl::unexpected(*e);
        rule.retry_after = seconds;
      }
      if (item.contains("message")) {
        if (!item["message"].is_string()) return tl::unexpected(where + ".message must be a string");
        rule.message = item["message"].get<std::string>();
      }
      for (auto [key, field] : {std::pair{"after_apply", &rule.after_apply}, {"create_fails", &rule.create_fails}}) {
        if (!item.contains(key)) continue;
        if (!item[key].is_boolean()) return tl::unexpected(where + "." + key + " must be true or false");
        *field = item[key].get<bool>();
      }
      if (item.contains("delays")) {
        auto delays = apply_delays(Delays{}, item["delays"]);
        if (!delays) return tl::unexpected(where + "." + delays.error());
        rule.delays = item["delays"];
      }
      if (rule.after_apply && rule.status == 0) return tl::unexpected(where + ": after_apply needs a status");
      if (rule.status == 0 && !rule.create_fails && !rule.delays) {
        return tl::unexpected(where + " does nothing: give it a status, create_fails or delays");
      }
      f.rules.push_back(std::move(rule));
    }
  }
  return f;
}

json faults_to_json(const Faults& f) {
  json rules = json::array();
  for (const auto& r : f.rules) {
    json rule = {{"method", r.method}, {"path", r.path}, {"nth", r.nth}, {"count", r.count}, {"seen", r.seen}};
    if (r.status) rule["status"] = r.status;
    if (r.retry_after) rule["retry_after"] = *r.retry_after;
    if (!r.message.empty()) rule["message"] = r.message;
    if (r.after_apply) rule["after_apply"] = true;
    if (r.create_fails) rule["create_fails"] = true;
    if (r.delays) rule["delays"] = *r.delays;
    rules.push_back(rule);
  }
  json unavailable = json::array();
  for (const auto& [region, size] : f.unavailable_sizes) unavailable.push_back({{"region", region}, {"size", size}});
  const auto& d = f.delays;
  return {{"delay_scale", f.delay_scale},
          {"delays",
           {{"droplet_visible", d.droplet_visible}, {"droplet_active", d.droplet_active}, {"droplet_ips", d.droplet_ips},
            {"droplet_delete", d.droplet_delete}, {"database_visible", d.database_visible},
            {"database_online", d.database_online}, {"database_delete", d.database_delete},
            {"firewall_ready", d.firewall_ready}, {"load_balancer_active", d.load_balancer_active},
            {"load_balancer_delete", d.load_balancer_delete}}},
          {"rate_limits",
           {{"hourly", f.rate_limits.hourly}, {"per_minute", f.rate_limits.per_minute},
            {"keys_per_minute", f.rate_limits.keys_per_minute}}},
          {"account",
           {{"droplet_limit", f.account.droplet_limit}, {"status", f.account.status}, {"read_only", f.account.read_only}}},
          {"unavailable_sizes", unavailable},
          {"null_empty_database_list", f.null_empty_database_list},
          {"rules", rules}};
}

tl::expected<json, std::string> parse_config_text(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  if (!parsed.is_discarded()) return parsed;
  try {
    return yaml_to_json(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    return tl::unexpected("neither JSON nor YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

tl::expected<json, std::string> read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto parsed = parse_config_text(buffer.str());
  if (!parsed) return tl::unexpected(path.string() + ": " + parsed.error());
  return parsed;
}

} // namespace fp::dosim
