// One logfmt line per answered request, to a file or standard output; optional (--access-log).
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace fp::server {

struct AccessRecord {
  std::string_view remote;
  std::string_view method;
  std::string_view target;
  unsigned status = 0;
  std::size_t bytes = 0;
  std::chrono::nanoseconds duration{0};
};

class AccessLog {
public:
  // "-" means standard output; otherwise the file is opened for appending.
  static tl::expected<std::unique_ptr<AccessLog>, std::string> open(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessRecord& record);

private:
  AccessLog(std::FILE* file, bool owned) : m_file(file), m_owned(owned) {}
  std::mutex m_mutex; // workers share the file; one line is written whole
  std::FILE* m_file;
  bool m_owned;
};

} // namespace fp::server
