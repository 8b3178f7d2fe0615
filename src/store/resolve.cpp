// Recipient resolution; see resolve.h. Alias semantics follow Postfix virtual
// aliases: expansion is recursive, each address is expanded at most once.
#include "store/resolve.h"

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "store/store_util.h"

namespace postamt::store {

namespace {

class Resolver {
 public:
  explicit Resolver(const RecipientLookup& lookup) : lookup_(lookup) {}

  Result<void> expand(std::string_view address, int depth) {
    auto parsed = parse_address(address);
    if (!parsed) return ok_result();  // a malformed alias target cannot receive mail
    // Case-insensitive visited set: "Bob@x" and "bob@x" reach the same account.
    if (!visited_.insert(ascii_lowercase(parsed->full)).second) return ok_result();
    auto local = lookup_.is_local_domain(parsed->domain);
    if (!local) return local.error();
    if (!*local) return ok_result();  // non-local target: ignored, see resolve.h

    auto account = lookup_.account(parsed->full);
    if (!account) return account.error();
    if (*account) {
      if (std::find(out_.begin(), out_.end(), **account) == out_.end()) out_.push_back(**account);
      return ok_result();
    }
    auto targets = lookup_.alias(parsed->full);
    if (!targets) return targets.error();
    if (!*targets) {
      targets = lookup_.alias("@" + parsed->domain);
      if (!targets) return targets.error();
    }
    if (!*targets) return ok_result();
    if (depth >= kMaxAliasDepth) return ok_result();
    for (const auto& t : **targets) {
      auto r = expand(t, depth + 1);
      if (!r) return r;
    }
    return ok_result();
  }

  std::vector<int64_t> take() { return std::move(out_); }

 private:
  const RecipientLookup& lookup_;
  std::set<std::string> visited_;
  std::vector<int64_t> out_;
};

}  // namespace

Result<std::vector<int64_t>> resolve_with(std::string_view address, const RecipientLookup& lookup) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  Resolver resolver(lookup);
  auto r = resolver.expand(parsed->full, 0);
  if (!r) return r.error();
  auto out = resolver.take();
  if (out.empty()) return Error::make(ErrorCode::not_found, "no such recipient", parsed->full);
  return out;
}

}  // namespace postamt::store
