// xtext encoding of DSN parameters (ORCPT, ENVID). Decodes unauthenticated input.
// RFC 3461 §4.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postamt::proto::smtp {

// nullopt on a character outside xchar/hexchar or a truncated "+XX". Lower-case hex digits
// are accepted (robustness); the encoder emits upper case.
std::optional<std::string> xtext_decode(std::string_view s);
std::string xtext_encode(std::string_view s);

}  // namespace postamt::proto::smtp
