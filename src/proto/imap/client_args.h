// What a client tells the server about itself: ENABLE capability names and ID parameters.
// Handles untrusted input (ID is allowed before login, so this is unauthenticated input);
// counts and lengths are bounded as RFC 2971 §3.3 requires of clients.
// RFC 9051 §6.3.1 (ENABLE), §9 (enable, capability); RFC 5161 §3 (ENABLE); RFC 2971 §3.3
// (ID, limits), §4 (formal syntax).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "proto/imap/command_parser.h"

namespace postamt::proto::imap {

inline constexpr size_t kMaxEnableCapabilities = 32;
inline constexpr size_t kMaxCapabilityName = 64;

// RFC 5161 §4: enable = "ENABLE" 1*(SP capability). Returns the names upper-cased,
// duplicates dropped; unknown names are kept (the server ignores them, RFC 5161 §3).
Result<std::vector<std::string>> parse_enable(const std::vector<Token>& args, size_t first);

// RFC 2971 §3.3 limits.
inline constexpr size_t kMaxIdPairs = 30;
inline constexpr size_t kMaxIdField = 30;
inline constexpr size_t kMaxIdValue = 1024;

struct IdField {
  std::string name;
  std::optional<std::string> value;  // NIL -> nullopt
  bool operator==(const IdField&) const = default;
};

// RFC 2971 §4: id = "ID" SPACE id_params_list; id_params_list = "(" #(string SPACE
// nstring) ")" / nil. NIL and "()" give an empty vector. Over a limit: ErrorCode::params.
Result<std::vector<IdField>> parse_id(const std::vector<Token>& args, size_t first);

}  // namespace postamt::proto::imap
