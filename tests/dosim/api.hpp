// One API request as the simulator sees it and the answer it gives; helpers for DigitalOcean's
// error body and for query strings.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fp::dosim {

struct ApiRequest {
  std::string method;        // upper case
  std::string path;          // as sent, without the query
  std::string query;         // as sent, without '?'
  std::string authorization; // the Authorization header
  std::string body;
};

struct ApiResponse {
  unsigned status = 200;
  std::optional<nlohmann::json> body; // nullopt: empty body (204)
  std::vector<std::pair<std::string, std::string>> headers;
};

inline ApiResponse json_response(unsigned status, nlohmann::json body) { return {status, std::move(body), {}}; }
inline ApiResponse no_content() { return {204, std::nullopt, {}}; }
// {"id": ..., "message": ...}; the request id is added by the simulator.
ApiResponse error_response(unsigned status, const std::string& id, const std::string& message);
ApiResponse not_found();
ApiResponse unprocessable(const std::string& message);
ApiResponse bad_request(const std::string& message);
// The error id DigitalOcean uses for a status (unauthorized, not_found, too_many_requests, ...).
std::string error_id(unsigned status);
std::string default_error_message(unsigned status);

std::string percent_decode(const std::string& text);
// key=value pairs, percent-decoded ('+' is a space); later duplicates win.
std::map<std::string, std::string> parse_query(const std::string& query);

} // namespace fp::dosim
