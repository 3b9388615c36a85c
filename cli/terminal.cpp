#include "terminal.hpp"

#include <cstdio>
#include <cstdlib>
#include <sys/ioctl.h>
#include <unistd.h>

namespace fp::cli {
namespace {

bool no_color() {
  const char* value = std::getenv("NO_COLOR");
  return value && *value; // no-color.org: set and not empty
}

bool dumb_terminal() {
  const char* term = std::getenv("TERM");
  return !term || std::string_view(term) == "dumb";
}

} // namespace

Terminal::Terminal()
  : m_smart(isatty(STDERR_FILENO) && !dumb_terminal()), m_color(m_smart && !no_color()) {}

bool Terminal::stdout_color() { return isatty(STDOUT_FILENO) && !dumb_terminal() && !no_color(); }

std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

std::string elide_middle(std::string_view text, std::size_t width) {
  if (text.size() <= width) return std::string(text);
  if (width < 5) return std::string(text.substr(0, width));
  const std::size_t keep = width - 3;
  const std::size_t head = keep / 2 + keep % 2;
  return std::string(text.substr(0, head)) + "..." + std::string(text.substr(text.size() - (keep - head)));
}

void Terminal::status(std::string_view line) {
  if (m_smart) {
    const std::string shown = elide_middle(line, terminal_width() - 1);
    std::fprintf(stderr, "\r%s\x1b[K", shown.c_str());
    m_status_shown = true;
  } else {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  }
  std::fflush(stderr);
}

void Terminal::print(std::string_view line) {
  if (m_smart && m_status_shown) std::fputs("\r\x1b[K", stderr);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  m_status_shown = false;
  std::fflush(stderr);
}

void Terminal::finish() {
  if (m_smart && m_status_shown) std::fputc('\n', stderr);
  m_status_shown = false;
  std::fflush(stderr);
}

} // namespace fp::cli
