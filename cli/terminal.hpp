// Terminal output for fpctl, ninja-style: one status line overprinted in place on a smart terminal,
// elided to its width; plain lines when output is piped; colour only on a terminal and never
// when NO_COLOR is set. Results go to stdout, progress and diagnostics to stderr.
#pragma once

#include <string>
#include <string_view>

namespace fp::cli {

class Terminal {
public:
  Terminal(); // inspects stderr
  bool smart() const { return m_smart; }
  bool color() const { return m_color; }
  // Whether stdout may carry colour (it is a terminal and NO_COLOR is unset).
  static bool stdout_color();

  // Replaces the status line (smart terminal) or prints it as a line of its own (otherwise).
  void status(std::string_view line);
  // A line that stays (warnings, notes): clears the status line first.
  void print(std::string_view line);
  // Ends the status line so what follows starts on a fresh line.
  void finish();

private:
  bool m_smart = false;
  bool m_color = false;
  bool m_status_shown = false;
};

// The width of the terminal on stderr, or 80.
std::size_t terminal_width();
// `text` shortened to `width` columns with "..." in the middle (ASCII-width approximation).
std::string elide_middle(std::string_view text, std::size_t width);

} // namespace fp::cli
