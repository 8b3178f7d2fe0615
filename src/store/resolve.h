// Recipient resolution shared by all backends: account, else alias (recursive),
// else the domain's catch-all. Backends supply the lookups; the policy lives here
// so every backend resolves identically. Handles untrusted input (RCPT TO).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postamt::store {

inline constexpr int kMaxAliasDepth = 8;

struct RecipientLookup {
  // Account id for an address (domain already lower-case): exact local part
  // first, then case-insensitive. nullopt if none.
  std::function<Result<std::optional<int64_t>>(const std::string& address)> account;
  // Targets of an alias source ("local@domain" or "@domain"), same matching.
  std::function<Result<std::optional<std::vector<std::string>>>(const std::string& source)> alias;
  std::function<Result<bool>(const std::string& domain)> is_local_domain;
};

// Account ids in first-seen order, without duplicates; not_found if none.
// Alias targets in non-local domains are ignored for now: forwarding to remote
// addresses needs the outbound queue (later issue), and silently relaying would
// be worse than dropping that branch. Cycles and chains deeper than
// kMaxAliasDepth end that branch without error.
Result<std::vector<int64_t>> resolve_with(std::string_view address, const RecipientLookup& lookup);

}  // namespace postamt::store
