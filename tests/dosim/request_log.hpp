// Every /v2 request dosim answered: method, path, query, the operation it matched, status, the
// request body and the schema violations found in it. Served at GET /_dosim/requests and, with
// --state-dir, appended to DIR/requests.jsonl. The Authorization header is never recorded.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace fp::dosim {

class RequestLog {
public:
  // `file`: append each entry as one JSON line there (empty: memory only).
  explicit RequestLog(std::filesystem::path file = {});
  void add(nlohmann::json entry);
  nlohmann::json to_json() const;
  void clear() { m_entries.clear(); }
  std::size_t size() const { return m_entries.size(); }

private:
  std::vector<nlohmann::json> m_entries;
  std::ofstream m_file;
  std::size_t m_sequence = 0;
};

} // namespace fp::dosim
