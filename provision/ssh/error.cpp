#include "ssh/error.hpp"

#include <vector>

namespace fp::ssh {
namespace {

// A failing apt-get can print thousands of lines; the end holds the reason.
constexpr std::size_t k_output_lines_shown = 40;

} // namespace

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::config: return "configuration";
  case ErrorKind::unreachable: return "unreachable";
  case ErrorKind::auth: return "authentication refused";
  case ErrorKind::host_key_changed: return "host key changed";
  case ErrorKind::protocol: return "SSH error";
  case ErrorKind::command_failed: return "command failed";
  case ErrorKind::timeout: return "timed out";
  case ErrorKind::sftp: return "SFTP error";
  }
  return "SSH error";
}

std::string SshError::describe() const {
  std::string text = host.empty() ? message : host + ": " + message;
  if (!hint.empty()) text += " - " + hint;
  if (output.empty()) return text;
  std::vector<std::string_view> lines;
  std::string_view rest = output;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  const std::size_t first = lines.size() > k_output_lines_shown ? lines.size() - k_output_lines_shown : 0;
  if (first > 0) text += "\n  | ... (" + std::to_string(first) + " earlier lines)";
  for (std::size_t i = first; i < lines.size(); ++i) text += "\n  | " + std::string(lines[i]);
  return text;
}

SshError make_error(ErrorKind kind, std::string host, std::string message, std::string hint) {
  return SshError{kind, std::move(host), std::move(message), std::move(hint), {}};
}

} // namespace fp::ssh
