#include "access_log.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

namespace fp::server {
namespace {

// Targets come from clients: keep a line one line, and quotes balanced.
void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

} // namespace

tl::expected<std::unique_ptr<AccessLog>, std::string> AccessLog::open(const std::string& path) {
  if (path == "-") return std::unique_ptr<AccessLog>(new AccessLog(stdout, false));
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (!file) return tl::unexpected("cannot open access log " + path + ": " + std::strerror(errno));
  return std::unique_ptr<AccessLog>(new AccessLog(file, true));
}

AccessLog::~AccessLog() {
  if (m_owned) std::fclose(m_file);
  else std::fflush(m_file);
}

void AccessLog::write(const AccessRecord& record) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));

  std::string line;
  line.reserve(160 + record.target.size());
  line += "time=";
  line += stamp;
  line += " remote=";
  line += record.remote;
  line += " method=";
  append_quoted(line, record.method);
  line += " target=";
  append_quoted(line, record.target);
  char tail[96];
  std::snprintf(tail, sizeof tail, " status=%u bytes=%zu duration_ms=%.3f\n", record.status, record.bytes,
                std::chrono::duration<double, std::milli>(record.duration).count());
  line += tail;

  std::lock_guard lock(m_mutex);
  std::fwrite(line.data(), 1, line.size(), m_file);
  std::fflush(m_file);
}

} // namespace fp::server
