// The configuration files fpctl installs on hosts are templates with {{name}} placeholders. The
// renderer is strict on purpose: a placeholder without a value, or a value that no placeholder
// uses (a misspelt name on either side), is an error naming the template and the line, never an
// empty string in an nginx.conf on a production host.
//
// Why not Debian's libctemplate-dev or inja: the files need plain substitution only (loops are
// built by the caller as ready lines), and neither reports a value given but never used.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace fp::deploy {

using Variables = std::map<std::string, std::string, std::less<>>;

// Replaces every {{ name }} (spaces inside the braces allowed; names are [A-Za-z_][A-Za-z0-9_]*).
// Errors: "nginx.conf:12: no value for {{upstreams}}", "nginx.conf: value 'listn' is not used by
// the template", "nginx.conf:3: '{{' without a closing '}}'", "nginx.conf:3: '{{ 1x }}' is not a
// variable name".
tl::expected<std::string, std::string> render(std::string_view template_name, std::string_view text,
                                              const Variables& variables);

// The templates compiled into fpctl from templates/deploy/ (name: the file name there, e.g.
// "nginx.conf"); empty when there is no such template.
std::string_view embedded_template(std::string_view name);

// render() of an embedded template; an unknown name is an error too.
tl::expected<std::string, std::string> render_embedded(std::string_view name, const Variables& variables);

} // namespace fp::deploy
