// Small ASCII string helpers shared by codecs. Pure: no I/O.
// Handles untrusted input: every function is total (no UB on any byte).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt {

char ascii_lower(char c);
std::string ascii_lowercase(std::string_view s);
std::string ascii_uppercase(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);  // spaces and tabs
// Splits on runs of SP/HTAB; empty fields never produced.
std::vector<std::string_view> split_ws(std::string_view s);
// Decimal without sign, no leading '+', bounded to fit uint64; nullopt otherwise.
std::optional<uint64_t> parse_u64(std::string_view s);
// True for a syntactically plausible dot-atom or UTF-8 domain (no length checks beyond 255).
bool is_valid_domain(std::string_view d);
// Lower- or upper-case hexadecimal of every byte.
std::string hex_encode(std::string_view bytes, bool upper = false);
// Well-formed UTF-8 (RFC 3629).
bool is_valid_utf8(std::string_view s);

}  // namespace postamt
