#include "api.hpp"

#include <algorithm>
#include <cctype>

namespace fp::dosim {

std::string error_id(unsigned status) {
  switch (status) {
  case 400: return "bad_request";
  case 401: return "unauthorized";
  case 403: return "forbidden";
  case 404: return "not_found";
  case 405: return "method_not_allowed";
  case 409: return "conflict";
  case 422: return "unprocessable_entity";
  case 429: return "too_many_requests";
  default: return status >= 500 ? "server_error" : "error";
  }
}

std::string default_error_message(unsigned status) {
  switch (status) {
  case 400: return "error parsing request body";
  case 401: return "Unable to authenticate you.";
  case 403: return "You do not have access for the attempted action.";
  case 404: return "The resource you were accessing could not be found.";
  case 429: return "API Rate limit exceeded.";
  case 503: return "Service unavailable, please try again later.";
  default: return status >= 500 ? "Server was unable to give you a response." : "The request could not be processed.";
  }
}

ApiResponse error_response(unsigned status, const std::string& id, const std::string& message) {
  return json_response(status, {{"id", id}, {"message", message}});
}

ApiResponse not_found() { return error_response(404, "not_found", default_error_message(404)); }
ApiResponse unprocessable(const std::string& message) { return error_response(422, "unprocessable_entity", message); }
ApiResponse bad_request(const std::string& message) { return error_response(400, "bad_request", message); }

std::string percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) && std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto end = std::min(query.find('&', start), query.size());
    const auto pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto decode = [](std::string s) {
        for (auto& c : s) {
          if (c == '+') c = ' ';
        }
        return percent_decode(s);
      };
      out[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return out;
}

} // namespace fp::dosim
