#include "simulator.hpp"

#include "router.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace fp::dosim {

using nlohmann::json;

namespace {

constexpr const char* k_state_file = "state.json";
constexpr const char* k_requests_file = "requests.jsonl";

Delays scaled(Delays d, double scale) {
  for (double* field : {&d.droplet_visible, &d.droplet_active, &d.droplet_ips, &d.droplet_delete, &d.database_visible,
                        &d.database_online, &d.database_delete, &d.firewall_ready, &d.load_balancer_active,
                        &d.load_balancer_delete}) {
    *field *= scale;
  }
  return d;
}

void add_rate_headers(ApiResponse& response, const RateDecision& rate) {
  // HTTP/1.1 spelling, as DigitalOcean sends it (clients must compare names case-insensitively).
  response.headers.emplace_back("Ratelimit-Limit", std::to_string(rate.limit));
  response.headers.emplace_back("Ratelimit-Remaining", std::to_string(rate.remaining));
  response.headers.emplace_back("Ratelimit-Reset", std::to_string(rate.reset));
  if (rate.retry_after) response.headers.emplace_back("Retry-After", std::to_string(*rate.retry_after));
}

ApiResponse control_error(unsigned status, const std::string& message) {
  return json_response(status, {{"error", message}});
}

} // namespace

tl::expected<std::unique_ptr<Simulator>, std::string> Simulator::create(SimulatorOptions options,
                                                                        std::unique_ptr<DropletHost> host) {
  auto schemas = SchemaCatalog::load(options.spec);
  if (!schemas) return tl::unexpected(schemas.error());
  if (!host) host = std::make_unique<SimulatedDropletHost>(World::k_first_droplet_id);
  std::unique_ptr<Simulator> sim(new Simulator(std::move(options), std::move(host), std::move(*schemas)));
  if (auto set = sim->set_faults(sim->m_options.faults); !set) return tl::unexpected("faults: " + set.error());
  if (sim->m_options.delay_scale) sim->m_faults.delay_scale = *sim->m_options.delay_scale;
  if (!sim->m_options.state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(sim->m_options.state_dir, ec);
    if (ec) return tl::unexpected("cannot create --state-dir " + sim->m_options.state_dir.string() + ": " + ec.message());
    if (auto loaded = sim->load_state(); !loaded) return tl::unexpected(loaded.error());
    sim->m_log = RequestLog(sim->m_options.state_dir / k_requests_file);
  }
  return sim;
}

Simulator::Simulator(SimulatorOptions options, std::unique_ptr<DropletHost> host, std::unique_ptr<SchemaCatalog> schemas)
  : m_options(std::move(options)), m_host(std::move(host)), m_schemas(std::move(schemas)), m_world(m_catalog, *m_host) {}

tl::expected<void, std::string> Simulator::set_faults(const json& document) {
  auto faults = parse_faults(document);
  if (!faults) return tl::unexpected(faults.error());
  // A document without delay_scale keeps the current one (--delay-scale, or 1).
  if (!(document.is_object() && document.contains("delay_scale"))) faults->delay_scale = m_faults.delay_scale;
  for (const auto& [region, size] : faults->unavailable_sizes) {
    if (!m_catalog.region(region)) return tl::unexpected("unavailable_sizes: unknown region '" + region + "'");
    if (!m_catalog.size(size)) return tl::unexpected("unavailable_sizes: unknown size '" + size + "'");
  }
  m_faults = std::move(*faults);
  m_catalog.set_withdrawn({m_faults.unavailable_sizes.begin(), m_faults.unavailable_sizes.end()});
  return {};
}

tl::expected<void, std::string> Simulator::load_state() {
  const auto path = m_options.state_dir / k_state_file;
  if (!std::filesystem::exists(path)) return {};
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto state = json::parse(buffer.str(), nullptr, false);
  if (state.is_discarded() || !state.is_object() || !state.contains("world")) {
    return tl::unexpected(path.string() + " is not a dosim state file; remove it to start with an empty account");
  }
  m_clock.set_offset(state.value("clock_offset", 0.0));
  if (auto loaded = m_world.load(state["world"]); !loaded) return tl::unexpected(path.string() + ": " + loaded.error());
  return {};
}

void Simulator::save_state() {
  if (m_options.state_dir.empty()) return;
  // Written to a temporary name and renamed, so a killed dosim leaves the old or the new state.
  const auto path = m_options.state_dir / k_state_file;
  const auto temporary = m_options.state_dir / (std::string(k_state_file) + ".tmp");
  bool written = false;
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json{{"world", m_world.to_json()}, {"clock_offset", m_clock.offset()}}.dump();
    out.flush();
    written = out.good();
  }
  std::error_code ec;
  if (written) std::filesystem::rename(temporary, path, ec);
  // Shown by GET /_dosim/health: a test that relies on --state-dir can check it.
  m_state_error = !written ? "cannot write " + temporary.string() : ec ? "cannot rename to " + path.string() + ": " + ec.message() : "";
}

ApiResponse Simulator::handle(const ApiRequest& request) {
  if (request.path.rfind("/_dosim/", 0) == 0) {
    ApiResponse response = handle_control(request);
    m_world.sync_firewalls(); // the clock may have moved droplets on
    return response;
  }
  json entry = {{"method", request.method}, {"path", request.path}, {"query", request.query}};
  ApiResponse response = handle_api(request, entry);
  m_world.sync_firewalls();
  entry["status"] = response.status;
  m_log.add(std::move(entry));
  if (request.method != "GET") save_state();
  return response;
}

ApiResponse Simulator::handle_api(const ApiRequest& request, json& entry) {
  const SimTime now = m_clock.now();
  m_world.advance(now);
  const std::string request_id = m_world.ids().uuid();
  entry["request_id"] = request_id;
  entry["time"] = iso8601(now);
  entry["violations"] = json::array();

  // The body as sent: JSON when it parses, text otherwise.
  json body;
  bool body_parsed = true;
  if (!request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    body_parsed = !body.is_discarded();
    entry["body"] = body_parsed ? body : json(request.body);
    if (!body_parsed) body = nullptr;
  }

  auto finish = [&](ApiResponse response, const RateDecision& rate) {
    if (response.body && response.status >= 400 && response.body->is_object() && response.body->contains("id")) {
      (*response.body)["request_id"] = request_id;
    }
    add_rate_headers(response, rate);
    response.headers.emplace_back("X-Request-Id", request_id);
    return response;
  };

  // Authentication: a bearer token, and the configured one when --token was given.
  std::string token;
  static constexpr std::string_view k_bearer = "Bearer ";
  if (request.authorization.size() > k_bearer.size() &&
      std::equal(k_bearer.begin(), k_bearer.end(), request.authorization.begin(),
                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); })) {
    token = request.authorization.substr(k_bearer.size());
  }
  if (token.empty() || (m_options.token && token != *m_options.token)) {
    return finish(error_response(401, "unauthorized", default_error_message(401)),
                  m_rate_limiter.peek("", now, m_faults.rate_limits));
  }

  const bool keys_list = request.method == "GET" && request.path == "/v2/account/keys";
  const RateDecision rate = m_rate_limiter.check(token, keys_list, now, m_faults.rate_limits);
  if (!rate.allowed) return finish(error_response(429, "too_many_requests", default_error_message(429)), rate);

  const RouteMatch match = match_route(request.method, request.path);
  if (match.route) entry["operation"] = request.method + " " + match.route->path_template;

  // Fault rules: every matching rule counts the call; those whose window includes it act.
  const FaultRule* status_rule = nullptr;
  bool create_fails = false;
  Delays delays = m_faults.delays;
  for (auto& rule : m_faults.rules) {
    if ((rule.method != "*" && rule.method != request.method) || !glob_match(rule.path, request.path)) continue;
    ++rule.seen;
    if (rule.seen < rule.nth || (rule.count > 0 && rule.seen >= rule.nth + rule.count)) continue;
    if (rule.status && !status_rule) status_rule = &rule;
    create_fails = create_fails || rule.create_fails;
    if (rule.delays) delays = apply_delays(delays, *rule.delays).value_or(delays);
  }
  auto fault_response = [&](const FaultRule& rule) {
    ApiResponse r = error_response(rule.status, error_id(rule.status),
                                   rule.message.empty() ? default_error_message(rule.status) : rule.message);
    RateDecision shown = rate;
    if (rule.status == 429) shown.remaining = 0;
    if (rule.retry_after) shown.retry_after = *rule.retry_after;
    entry["fault"] = rule.after_apply ? "status after apply" : "status";
    return finish(r, shown);
  };
  if (status_rule && !status_rule->after_apply) return fault_response(*status_rule);

  if (m_faults.account.read_only && request.method != "GET" && match.route) {
    return finish(error_response(403, "forbidden", default_error_message(403)), rate);
  }
  if (!match.route) {
    if (match.path_known) return finish(error_response(405, "method_not_allowed", "Method not allowed for this path."), rate);
    return finish(not_found(), rate);
  }
  if (!body_parsed) {
    entry["violations"].push_back("the body is not JSON");
    return finish(bad_request("error parsing request body"), rate);
  }
  if (m_schemas->has_request_body(request.method, match.route->path_template)) {
    if (request.body.empty()) {
      entry["violations"].push_back("the operation requires a JSON body; none was sent");
    } else {
      for (auto& v : m_schemas->validate_request(request.method, match.route->path_template, body)) {
        entry["violations"].push_back(v);
      }
    }
  } else if (!request.body.empty()) {
    entry["violations"].push_back("the operation takes no body; one was sent");
  }

  Call call{request, match.params, parse_query(request.query), body, m_base_url, now,
            scaled(delays, m_faults.delay_scale), create_fails, m_faults};
  ApiResponse response = match.route->handler(m_world, call);
  if (create_fails) entry["fault"] = "create_fails";
  if (status_rule) return fault_response(*status_rule); // applied, but the answer is lost
  return finish(std::move(response), rate);
}

ApiResponse Simulator::handle_control(const ApiRequest& request) {
  const auto& path = request.path;
  const auto& method = request.method;
  if (path == "/_dosim/health" && method == "GET") {
    json health = {{"ok", m_state_error.empty()}};
    if (!m_state_error.empty()) health["state_error"] = m_state_error;
    return json_response(200, health);
  }
  if (path == "/_dosim/requests") {
    if (method == "GET") return json_response(200, m_log.to_json());
    if (method == "DELETE") {
      m_log.clear();
      return no_content();
    }
  }
  if (path == "/_dosim/faults") {
    if (method == "GET") return json_response(200, faults_to_json(m_faults));
    if (method == "PUT") {
      auto document = parse_config_text(request.body);
      if (!document) return control_error(400, "faults: " + document.error());
      if (auto set = set_faults(*document); !set) return control_error(400, "faults: " + set.error());
      return json_response(200, faults_to_json(m_faults));
    }
  }
  if (path == "/_dosim/clock") {
    if (method == "POST") {
      const auto body = json::parse(request.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || !body.contains("advance") || !body["advance"].is_number() ||
          body["advance"].get<double>() < 0) {
        return control_error(400, "POST /_dosim/clock takes {\"advance\": SECONDS} with SECONDS >= 0");
      }
      m_clock.advance(body["advance"].get<double>());
      m_world.advance(m_clock.now());
      save_state();
    } else if (method != "GET") {
      return control_error(405, "GET or POST /_dosim/clock");
    }
    return json_response(200, {{"now", iso8601(m_clock.now())}, {"epoch", m_clock.now()}, {"offset", m_clock.offset()}});
  }
  if (path == "/_dosim/state" && method == "GET") {
    m_world.advance(m_clock.now());
    return json_response(200, m_world.to_json());
  }
  if (path == "/_dosim/reset" && method == "POST") {
    m_world.clear();
    m_log.clear();
    m_rate_limiter = RateLimiter();
    for (auto& rule : m_faults.rules) rule.seen = 0;
    save_state();
    return no_content();
  }
  return control_error(404, "unknown control endpoint " + method + " " + path +
                              " (see docs/DOSIM.md: /_dosim/health, requests, faults, clock, state, reset)");
}

} // namespace fp::dosim
