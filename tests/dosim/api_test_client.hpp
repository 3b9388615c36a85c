// For dosim's own tests: requests with a bearer token, every answer parsed and held to the official
// response schema of its operation (and to the headers every answer must carry).
#pragma once

#include "dosim_process.hpp"
#include "support/http_client.hpp"
#include "router.hpp"
#include "schema_catalog.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace fp::test {

struct Answer {
  unsigned status = 0;
  nlohmann::json body;
  HttpResponse raw;
  std::string header(const std::string& name) const { return raw.header(name); }
};

inline const dosim::SchemaCatalog& official_spec() {
  static auto catalog = dosim::SchemaCatalog::load(FP_DOSIM_DEFAULT_SPEC);
  if (!catalog) throw std::runtime_error(catalog.error());
  return **catalog;
}

class ApiClient {
public:
  explicit ApiClient(unsigned short port, std::string token = "dop_v1_test") : m_client(port), m_token(std::move(token)) {}

  Answer call(const std::string& method, const std::string& target, const std::optional<nlohmann::json>& body = {}) {
    return raw(method, target, body ? std::optional<std::string>(body->dump()) : std::nullopt);
  }
  Answer get(const std::string& target) { return call("GET", target); }
  Answer post(const std::string& target, const nlohmann::json& body) { return call("POST", target, body); }
  Answer put(const std::string& target, const nlohmann::json& body) { return call("PUT", target, body); }
  Answer del(const std::string& target, const std::optional<nlohmann::json>& body = {}) { return call("DELETE", target, body); }

  // Sends `body` as it is (malformed JSON included); checks the answer like call().
  Answer raw(const std::string& method, const std::string& target, const std::optional<std::string>& body) {
    Headers headers;
    if (!m_token.empty()) headers.emplace_back("Authorization", "Bearer " + m_token);
    Answer a;
    a.raw = body ? m_client.request(method, target, std::string_view(*body), headers)
                 : m_client.request(method, target, std::nullopt, headers);
    a.status = a.raw.status;
    a.body = a.raw.body.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(a.raw.body, nullptr, false);
    EXPECT_FALSE(a.body.is_discarded()) << method << " " << target << " answered non-JSON: " << a.raw.body;
    check(method, target, a);
    return a;
  }

  int responses_checked() const { return m_checked; }

private:
  void check(const std::string& method, const std::string& target, const Answer& a) {
    const std::string path = target.substr(0, target.find('?'));
    EXPECT_FALSE(a.header("ratelimit-limit").empty()) << method << " " << target;
    EXPECT_FALSE(a.header("ratelimit-remaining").empty()) << method << " " << target;
    EXPECT_FALSE(a.header("ratelimit-reset").empty()) << method << " " << target;
    EXPECT_FALSE(a.header("x-request-id").empty()) << method << " " << target;
    if (a.status >= 400 && a.body.is_object() && a.body.contains("id")) {
      EXPECT_EQ(a.body.value("request_id", ""), a.header("x-request-id")) << method << " " << target;
    }
    const auto match = dosim::match_route(method, path);
    if (!match.route) return; // 404/405 for paths outside the subset: no operation to hold it to
    const auto violations = official_spec().validate_response(method, match.route->path_template, a.status, a.body);
    std::string text;
    for (const auto& v : violations) text += "  " + v + "\n";
    EXPECT_TRUE(violations.empty()) << method << " " << target << " -> " << a.status
                                    << " does not match the official schema:\n" << text << a.raw.body.substr(0, 2000);
    ++m_checked;
  }

  HttpClient m_client;
  std::string m_token;
  int m_checked = 0;
};

} // namespace fp::test
