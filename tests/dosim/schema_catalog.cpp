#include "schema_catalog.hpp"

#include "openapi_schema.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace fp::dosim {

using nlohmann::json;

struct SchemaCatalog::Compiled {
  valijson::Schema schema;
  std::string error; // the schema itself could not be compiled
};

namespace {

constexpr std::size_t k_max_reported = 8;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

} // namespace

SchemaCatalog::SchemaCatalog(json spec) : m_spec(std::move(spec)) {}
SchemaCatalog::~SchemaCatalog() = default;

tl::expected<std::unique_ptr<SchemaCatalog>, std::string> SchemaCatalog::load(const std::filesystem::path& spec) {
  std::ifstream in(spec, std::ios::binary);
  if (!in) {
    return tl::unexpected("cannot read the OpenAPI spec " + spec.string() +
                          ": dosim validates every request against it; pass --spec PATH to "
                          "openapi-subset.validation.json (in ../shared/reference/digitalocean/spec/bundled/)");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto document = json::parse(buffer.str(), nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("paths") || !document["paths"].is_object()) {
    return tl::unexpected(spec.string() + " is not an OpenAPI document in JSON (no \"paths\")");
  }
  return std::unique_ptr<SchemaCatalog>(new SchemaCatalog(std::move(document)));
}

const json* SchemaCatalog::operation(const std::string& method, const std::string& path_template) const {
  const auto& paths = m_spec["paths"];
  const auto path = paths.find(path_template);
  if (path == paths.end()) return nullptr;
  const auto op = path->find(lower(method));
  if (op == path->end()) return nullptr;
  return &*op;
}

bool SchemaCatalog::has_operation(const std::string& method, const std::string& path_template) const {
  return operation(method, path_template) != nullptr;
}

bool SchemaCatalog::has_request_body(const std::string& method, const std::string& path_template) const {
  const auto* op = operation(method, path_template);
  return op && op->contains("requestBody");
}

std::vector<std::string> SchemaCatalog::validate(const std::string& key, const json& schema, bool request,
                                                 const json& body) const {
  std::lock_guard lock(m_mutex);
  auto& compiled = m_compiled[key];
  if (!compiled) {
    compiled = std::make_unique<Compiled>();
    try {
      const json converted = to_json_schema(schema, request ? Direction::request : Direction::response);
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft4);
      valijson::adapters::NlohmannJsonAdapter adapter(converted);
      parser.populateSchema(adapter, compiled->schema);
    } catch (const std::exception& e) {
      compiled->error = std::string("the spec's schema for ") + key + " cannot be compiled: " + e.what();
    }
  }
  if (!compiled->error.empty()) return {compiled->error};

  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(body);
  try {
    if (validator.validate(compiled->schema, target, &results)) return {};
  } catch (const std::exception& e) {
    return {"validator failed: " + std::string(e.what())};
  }
  // valijson reports the outermost failure last; the innermost ones say what is actually wrong.
  std::vector<std::string> violations;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const auto& part : error.context) {
      // valijson names steps "[name]" or "[0]"; shown as a JSON pointer ("/tags/0").
      if (part == "<root>" || part.empty()) continue;
      where += "/" + (part.front() == '[' && part.back() == ']' ? part.substr(1, part.size() - 2) : part);
    }
    const std::string text = (where.empty() ? "/" : where) + ": " + error.description;
    if (std::find(violations.begin(), violations.end(), text) == violations.end()) violations.push_back(text);
    if (violations.size() >= k_max_reported) break;
  }
  if (violations.empty()) violations.push_back("/: does not match the schema");
  return violations;
}

std::vector<std::string> SchemaCatalog::validate_request(const std::string& method, const std::string& path_template,
                                                         const json& body) const {
  const auto* op = operation(method, path_template);
  if (!op || !op->contains("requestBody")) return {};
  const auto& content = (*op)["requestBody"].value("content", json::object());
  if (!content.contains("application/json") || !content["application/json"].contains("schema")) return {};
  return validate("request " + method + " " + path_template, content["application/json"]["schema"], true, body);
}

std::vector<std::string> SchemaCatalog::validate_response(const std::string& method, const std::string& path_template,
                                                          unsigned status, const json& body) const {
  const auto* op = operation(method, path_template);
  if (!op) return {"the spec has no operation " + method + " " + path_template};
  const auto& responses = (*op)["responses"];
  std::string code = std::to_string(status);
  if (!responses.contains(code)) {
    if (!responses.contains("default")) return {"the spec declares no " + code + " response for " + method + " " + path_template};
    code = "default";
  }
  const auto& response = responses[code];
  if (!response.contains("content")) {
    if (body.is_null()) return {};
    return {"the spec declares no body for " + code + " but one was sent"};
  }
  const auto& content = response["content"];
  if (!content.contains("application/json") || !content["application/json"].contains("schema")) return {};
  return validate("response " + code + " " + method + " " + path_template, content["application/json"]["schema"], false,
                  body);
}

} // namespace fp::dosim
