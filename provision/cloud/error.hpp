// What can go wrong talking to DigitalOcean, as a value. The kinds keep apart what callers must
// treat differently: "not found" (often expected), "outcome unknown" (a create may have happened:
// look before retrying), "gave up" after retries, and mistakes the user must fix (token, URL).
#pragma once

#include <string>

namespace fp::cloud {

enum class ErrorKind {
  config,          // bad base URL, no token, invalid name: fix the configuration
  unauthorized,    // 401: token missing, wrong, expired or revoked
  forbidden,       // 403: token lacks a scope (read-only token), or the action is not allowed
  not_found,       // 404
  conflict,        // 409
  invalid,         // 400 / 422: the API refused the request's content
  rate_limited,    // 429 and the retry budget ran out (or the hourly window resets too late)
  server,          // 5xx and the retry budget ran out
  network,         // no HTTP answer (DNS, connect, TLS, reset, timeout) and the retry budget ran out
  outcome_unknown, // a create was sent but its answer was lost or a 5xx: it may or may not exist now
  bad_response,    // an answer that is not the JSON the API documents
  http,            // any other non-2xx status
  account,         // the account itself cannot be used (locked, warning)
  failed,          // an asynchronous action ended `errored`, or the resource vanished
  timeout,         // a bounded wait ran out
};

std::string_view to_string(ErrorKind kind);

struct ApiError {
  ErrorKind kind = ErrorKind::http;
  std::string method;     // "GET", "POST", ... (empty when no request was involved)
  std::string path;       // "/v2/droplets" (no host, no query secrets: the API has none)
  int status = 0;         // HTTP status, 0 when there was no HTTP answer
  std::string id;         // DigitalOcean's error id, e.g. "unprocessable_entity"
  std::string message;    // DigitalOcean's message, or ours
  std::string request_id; // from the body or the x-request-id header
  std::string hint;       // what the user can do about it (may be empty)

  // One line (plus the hint, when there is one, after " - "), for the CLI to print as it is:
  // "POST /v2/droplets: 422 unprocessable_entity: Size is not available in this region. (request id 94…)"
  std::string describe() const;
};

ApiError make_error(ErrorKind kind, std::string message, std::string hint = {});

} // namespace fp::cloud
