#include "request_log.hpp"

namespace fp::dosim {

RequestLog::RequestLog(std::filesystem::path file) {
  if (!file.empty()) m_file.open(file, std::ios::app);
}

void RequestLog::add(nlohmann::json entry) {
  entry["seq"] = ++m_sequence;
  if (m_file.is_open()) {
    m_file << entry.dump() << '\n';
    m_file.flush();
  }
  m_entries.push_back(std::move(entry));
}

nlohmann::json RequestLog::to_json() const { return {{"requests", m_entries}}; }

} // namespace fp::dosim
