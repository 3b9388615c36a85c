#include "error.hpp"

namespace fp::cloud {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::config: return "config";
  case ErrorKind::unauthorized: return "unauthorized";
  case ErrorKind::forbidden: return "forbidden";
  case ErrorKind::not_found: return "not_found";
  case ErrorKind::conflict: return "conflict";
  case ErrorKind::invalid: return "invalid";
  case ErrorKind::rate_limited: return "rate_limited";
  case ErrorKind::server: return "server";
  case ErrorKind::network: return "network";
  case ErrorKind::outcome_unknown: return "outcome_unknown";
  case ErrorKind::bad_response: return "bad_response";
  case ErrorKind::http: return "http";
  case ErrorKind::account: return "account";
  case ErrorKind::failed: return "failed";
  case ErrorKind::timeout: return "timeout";
  }
  return "unknown";
}

std::string ApiError::describe() const {
  std::string text;
  if (!method.empty()) text = method + " " + path + ": ";
  if (status != 0) text += std::to_string(status) + " ";
  if (!id.empty()) text += id + ": ";
  text += message.empty() ? std::string(to_string(kind)) : message;
  if (!request_id.empty()) text += " (request id " + request_id + ")";
  if (!hint.empty()) text += " - " + hint;
  return text;
}

ApiError make_error(ErrorKind kind, std::string message, std::string hint) {
  ApiError error;
  error.kind = kind;
  error.message = std::move(message);
  error.hint = std::move(hint);
  return error;
}

} // namespace fp::cloud
