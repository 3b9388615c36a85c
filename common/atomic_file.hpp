// Writing a file so that readers (and a crash) see either the old content or the new, never a
// half-written file: a temporary in the same directory, created with the final mode, written,
// fsync'ed, renamed over the target, and the directory fsync'ed so the rename itself is durable.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>
#include <tl/expected.hpp>

namespace fp {

// `mode` applies from the first byte (the temporary is created with it), so a secret never sits in
// a file with wider permissions even for a moment. Errors name the file and the reason.
tl::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                                      mode_t mode = 0644);

// Creates `directory` (and its parents) with `mode` when missing; an existing one is left as it is.
tl::expected<void, std::string> ensure_directory(const std::filesystem::path& directory, mode_t mode = 0755);

} // namespace fp
