#include "log.hpp"

namespace fp::cloud {

std::string format_log_entry(const LogEntry& entry) {
  std::string line;
  const std::string attempt = entry.attempt > 1 ? " (attempt " + std::to_string(entry.attempt) + ")" : "";
  switch (entry.kind) {
  case LogEntry::Kind::request:
    line = "-> " + entry.method + " " + entry.url + attempt;
    if (!entry.note.empty()) line += "\n   " + entry.note;
    break;
  case LogEntry::Kind::response:
    line = "<- " + std::to_string(entry.status) + " " + entry.method + " " + entry.url + " in " +
           std::to_string(entry.elapsed.count()) + " ms" + attempt;
    if (!entry.note.empty()) line += "\n   " + entry.note;
    break;
  case LogEntry::Kind::failure:
    line = "<- no answer to " + entry.method + " " + entry.url + " after " + std::to_string(entry.elapsed.count()) +
           " ms" + attempt + ": " + entry.note;
    break;
  case LogEntry::Kind::wait:
    line = ".. waiting " + std::to_string(entry.elapsed.count()) + " ms before " + entry.method + " " + entry.url +
           ": " + entry.note;
    break;
  }
  if (!entry.body.empty()) line += "\n   " + entry.body;
  return line;
}

} // namespace fp::cloud
