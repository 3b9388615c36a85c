#include "infra/state.hpp"

#include "atomic_file.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace fp::infra {
namespace {

using nlohmann::json;

json to_json(const StateResource& r) {
  json object = {{"kind", r.kind},     {"id", r.id},           {"name", r.name},
          {"role", r.role},     {"size", r.size},       {"region", r.region},
          {"status", r.status}, {"public_ipv4", r.public_ipv4}, {"private_ipv4", r.private_ipv4},
          {"created_at", r.created_at}, {"created_by_fpctl", r.created_by_fpctl}};
  // Written only when set, so the files of droplet deployments stay as they were.
  if (r.port != 0) object["port"] = r.port;
  if (r.ssh_port != 0) object["ssh_port"] = r.ssh_port;
  if (r.pid != 0) object["pid"] = r.pid;
  return object;
}

int number(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

const StateResource* State::find(const std::string& kind, const std::string& name) const {
  const auto it = std::find_if(resources.begin(), resources.end(),
                               [&](const StateResource& r) { return r.kind == kind && r.name == name; });
  return it == resources.end() ? nullptr : &*it;
}

void State::upsert(StateResource resource) {
  const auto it = std::find_if(resources.begin(), resources.end(), [&](const StateResource& r) {
    return r.kind == resource.kind && r.name == resource.name;
  });
  if (it == resources.end()) resources.push_back(std::move(resource));
  else *it = std::move(resource);
}

void State::erase(const std::string& kind, const std::string& name) {
  std::erase_if(resources, [&](const StateResource& r) { return r.kind == kind && r.name == name; });
}

std::optional<std::string> entry_url(const State& state, int worker_port) {
  const auto with_address = [&](const std::string& role) -> const StateResource* {
    const StateResource* best = nullptr;
    for (const auto& r : state.resources)
      if ((r.kind == "droplet" || r.kind == "process") && r.role == role && !r.public_ipv4.empty() &&
          (best == nullptr || r.name < best->name))
        best = &r;
    return best;
  };
  if (const auto* lb = with_address("lb"))
    return "http://" + lb->public_ipv4 + (lb->port != 0 && lb->port != 80 ? ":" + std::to_string(lb->port) : "");
  if (const auto* worker = with_address("worker"))
    return "http://" + worker->public_ipv4 + ":" + std::to_string(worker->port != 0 ? worker->port : worker_port);
  return std::nullopt;
}

std::string host_name(const std::string& resource_name, const std::string& project) {
  const std::string prefix = project + "-";
  if (!project.empty() && resource_name.size() > prefix.size() && resource_name.rfind(prefix, 0) == 0)
    return resource_name.substr(prefix.size());
  return resource_name;
}

std::filesystem::path state_path(const std::filesystem::path& config_directory) {
  return config_directory / ".fpctl" / "state.json";
}

tl::expected<State, std::string> load_state(const std::filesystem::path& file, const std::string& project) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) return State{project, {}, {}, {}};
    return tl::unexpected("cannot read " + file.string() + ": check its permissions");
  }
  std::ostringstream content;
  content << in.rdbuf();
  const json document = json::parse(content.str(), nullptr, false);
  const auto broken = [&](const std::string& why) {
    return tl::unexpected(file.string() + ": " + why + ". It only caches what the API says: move it away and run "
                          "'fpctl status --refresh' to rebuild it from the resources' tags.");
  };
  if (document.is_discarded() || !document.is_object()) return broken("not a JSON object");
  const auto version = document.value("version", 0);
  if (version > State::k_version)
    return tl::unexpected(file.string() + ": written by a newer fpctl (state version " + std::to_string(version) +
                          "); upgrade fpctl");
  if (version != State::k_version) return broken("no state version");
  State state;
  state.project = text(document, "project");
  if (state.project != project)
    return tl::unexpected(file.string() + " belongs to project '" + state.project + "', not '" + project +
                          "': run fpctl from that project's directory, or change 'project:' in fpctl.yaml");
  state.api_url = text(document, "api_url");
  if (const auto it = document.find("resources"); it != document.end()) {
    if (!it->is_array()) return broken("'resources' is not a list");
    for (const auto& item : *it) {
      if (!item.is_object()) return broken("a resource is not an object");
      StateResource r{text(item, "kind"),   text(item, "id"),     text(item, "name"),        text(item, "role"),
                      text(item, "size"),   text(item, "region"), text(item, "status"),      text(item, "public_ipv4"),
                      text(item, "private_ipv4"), text(item, "created_at"), item.value("created_by_fpctl", true),
                      number(item, "port"), number(item, "ssh_port"), number(item, "pid")};
      if (r.kind.empty() || r.name.empty()) return broken("a resource without kind or name");
      state.resources.push_back(std::move(r));
    }
  }
  if (const auto it = document.find("host_keys"); it != document.end() && it->is_object())
    for (const auto& [host, key] : it->items())
      if (key.is_string()) state.host_keys[host] = key.get<std::string>();
  return state;
}

tl::expected<void, std::string> save_state(const std::filesystem::path& file, const State& state) {
  if (file.has_parent_path())
    if (auto made = ensure_directory(file.parent_path(), 0700); !made) return made;
  json resources = json::array();
  for (const auto& r : state.resources) resources.push_back(to_json(r));
  const json document = {{"version", State::k_version},
                         {"project", state.project},
                         {"api_url", state.api_url},
                         {"resources", std::move(resources)},
                         {"host_keys", state.host_keys}};
  return write_file_atomically(file, document.dump(2) + "\n", 0600);
}

} // namespace fp::infra
