// The official OpenAPI subset (../shared/reference/digitalocean/spec/bundled/openapi-subset.validation.json)
// compiled into validators, one per operation and direction, on first use. Operations are named by
// method and the spec's path template ("POST /v2/droplets", "GET /v2/droplets/{droplet_id}").
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace fp::dosim {

class SchemaCatalog {
public:
  // Reads the bundled spec; a clear error when the file is missing or not the expected document.
  static tl::expected<std::unique_ptr<SchemaCatalog>, std::string> load(const std::filesystem::path& spec);
  ~SchemaCatalog();

  bool has_operation(const std::string& method, const std::string& path_template) const;
  bool has_request_body(const std::string& method, const std::string& path_template) const;

  // Violations of the operation's requestBody schema ("/name: String is too long"); empty when valid.
  std::vector<std::string> validate_request(const std::string& method, const std::string& path_template,
                                            const nlohmann::json& body) const;
  // Violations of the response schema declared for `status` (or `default`); a response whose
  // status the spec does not declare is itself reported.
  std::vector<std::string> validate_response(const std::string& method, const std::string& path_template,
                                             unsigned status, const nlohmann::json& body) const;

  struct Compiled;

private:
  explicit SchemaCatalog(nlohmann::json spec);
  const nlohmann::json* operation(const std::string& method, const std::string& path_template) const;
  std::vector<std::string> validate(const std::string& key, const nlohmann::json& schema, bool request,
                                    const nlohmann::json& body) const;

  nlohmann::json m_spec;
  mutable std::mutex m_mutex;
  mutable std::map<std::string, std::unique_ptr<Compiled>> m_compiled;
};

} // namespace fp::dosim
