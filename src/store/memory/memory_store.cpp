// In-memory backend: factory, domains, accounts, aliases, recipient resolution.
// Matching rules mirror the SQLite backend (see sqlite_accounts.cpp).
#include "store/memory/memory_store.h"

#include <algorithm>

#include "base/strings.h"
#include "store/memory/memory_store_impl.h"
#include "store/resolve.h"
#include "store/store_util.h"

namespace postamt::store {

std::unique_ptr<Store> make_memory_store() { return std::make_unique<memory::MemoryStore>(); }

namespace memory {

namespace {

Error account_not_found(std::string_view address) {
  return Error::make(ErrorCode::not_found, "no such account", std::string(address));
}

Error domain_missing(const std::string& domain) {
  return Error::make(ErrorCode::params, "domain " + domain + " is not a local domain; add it first");
}

std::string alias_domain(const std::string& source) { return source.substr(source.rfind('@') + 1); }

}  // namespace

StoredAccount* MemoryStore::account_by_address(const std::string& address) {
  for (auto& [id, acct] : accounts_)
    if (acct.info.address == address) return &acct;
  for (auto& [id, acct] : accounts_)
    if (iequals(acct.info.address, address)) return &acct;
  return nullptr;
}

const std::vector<std::string>* MemoryStore::alias_by_source(const std::string& source) {
  if (auto it = aliases_.find(source); it != aliases_.end()) return &it->second;
  for (auto& [src, targets] : aliases_)
    if (iequals(src, source)) return &targets;
  return nullptr;
}

Result<void> MemoryStore::add_domain(std::string_view domain) {
  auto name = normalize_domain(domain);
  if (!name) return name.error();
  std::lock_guard lock(mu_);
  if (!domains_.insert(*name).second) return Error::make(ErrorCode::exists, "domain exists already", *name);
  return ok_result();
}

Result<void> MemoryStore::remove_domain(std::string_view domain) {
  auto name = normalize_domain(domain);
  if (!name) return name.error();
  std::lock_guard lock(mu_);
  if (!domains_.count(*name)) return Error::make(ErrorCode::not_found, "no such domain", *name);
  for (auto& [id, acct] : accounts_)
    if (alias_domain(acct.info.address) == *name)
      return Error::make(ErrorCode::params, "domain still has accounts or aliases; remove them first", *name);
  for (auto& [source, targets] : aliases_)
    if (alias_domain(source) == *name)
      return Error::make(ErrorCode::params, "domain still has accounts or aliases; remove them first", *name);
  domains_.erase(*name);
  return ok_result();
}

Result<std::vector<std::string>> MemoryStore::list_domains() {
  std::lock_guard lock(mu_);
  return std::vector<std::string>(domains_.begin(), domains_.end());
}

Result<bool> MemoryStore::is_local_domain(std::string_view domain) {
  auto name = normalize_domain(domain);
  if (!name) return false;
  std::lock_guard lock(mu_);
  return domains_.count(*name) > 0;
}

Result<Account> MemoryStore::add_account(std::string_view address, std::string_view password_hash,
                                         const ScramKeys& scram, uint64_t quota_bytes) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  std::lock_guard lock(mu_);
  if (!domains_.count(parsed->domain)) return domain_missing(parsed->domain);
  if (account_by_address(parsed->full)) return Error::make(ErrorCode::exists, "account exists already", parsed->full);
  if (alias_by_source(parsed->full))
    return Error::make(ErrorCode::exists, "an alias with this address exists", parsed->full);
  StoredAccount acct;
  acct.info.id = next_account_id_++;
  acct.info.address = parsed->full;
  acct.info.password_hash = std::string(password_hash);
  acct.info.scram = scram;
  acct.info.quota_bytes = quota_bytes;
  int64_t id = acct.info.id;
  accounts_.emplace(id, acct);
  std::vector<Change> unpublished;  // a new account has no sessions to tell
  for (const auto& mb : kDefaultMailboxes) {
    insert_mailbox(id, mb.name, mb.special_use, unpublished);
    subscriptions_[id].insert(mb.name);
  }
  return acct.info;
}

Result<void> MemoryStore::set_password(std::string_view address, std::string_view password_hash,
                                       const ScramKeys& scram) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  std::lock_guard lock(mu_);
  auto* acct = account_by_address(parsed->full);
  if (!acct) return account_not_found(parsed->full);
  acct->info.password_hash = std::string(password_hash);
  acct->info.scram = scram;
  return ok_result();
}

Result<void> MemoryStore::set_quota(std::string_view address, uint64_t quota_bytes) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  std::lock_guard lock(mu_);
  auto* acct = account_by_address(parsed->full);
  if (!acct) return account_not_found(parsed->full);
  acct->info.quota_bytes = quota_bytes;
  return ok_result();
}

Result<void> MemoryStore::remove_account(std::string_view address) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  std::lock_guard lock(mu_);
  auto* acct = account_by_address(parsed->full);
  if (!acct) return account_not_found(parsed->full);
  int64_t id = acct->info.id;
  for (auto it = mailboxes_.begin(); it != mailboxes_.end();) {
    if (it->second.info.account_id != id) {
      ++it;
      continue;
    }
    for (auto& [uid, msg] : it->second.messages) {
      email_ids_.erase(msg.meta.email_id);
      drop_blob_ref(msg.meta.blob_id);
    }
    it = mailboxes_.erase(it);
  }
  subscriptions_.erase(id);
  accounts_.erase(id);
  return ok_result();
}

Result<std::vector<Account>> MemoryStore::list_accounts(std::string_view domain_or_empty) {
  std::string domain = ascii_lowercase(domain_or_empty);
  std::lock_guard lock(mu_);
  std::vector<Account> out;
  for (auto& [id, acct] : accounts_)
    if (domain.empty() || alias_domain(acct.info.address) == domain) out.push_back(acct.info);
  std::sort(out.begin(), out.end(), [](const Account& a, const Account& b) { return a.address < b.address; });
  return out;
}

Result<Account> MemoryStore::find_account(std::string_view address) {
  auto parsed = parse_address(address);
  if (!parsed) return account_not_found(address);
  std::lock_guard lock(mu_);
  auto* acct = account_by_address(parsed->full);
  if (!acct) return account_not_found(parsed->full);
  return acct->info;
}

Result<Account> MemoryStore::get_account(int64_t account_id) {
  std::lock_guard lock(mu_);
  auto it = accounts_.find(account_id);
  if (it == accounts_.end()) return account_not_found(std::to_string(account_id));
  return it->second.info;
}

Result<void> MemoryStore::add_alias(std::string_view source, const std::vector<std::string>& targets) {
  auto parsed = parse_alias_source(source);
  if (!parsed) return parsed.error();
  if (targets.empty()) return Error::make(ErrorCode::params, "an alias needs at least one target");
  std::vector<std::string> normalized;
  for (const auto& t : targets) {
    auto pt = parse_address(t);
    if (!pt) return Error::make(ErrorCode::params, "invalid alias target: " + t);
    normalized.push_back(pt->full);
  }
  std::lock_guard lock(mu_);
  if (!domains_.count(parsed->domain)) return domain_missing(parsed->domain);
  if (alias_by_source(parsed->full)) return Error::make(ErrorCode::exists, "alias exists already", parsed->full);
  if (account_by_address(parsed->full))
    return Error::make(ErrorCode::exists, "an account with this address exists", parsed->full);
  aliases_.emplace(parsed->full, std::move(normalized));
  return ok_result();
}

Result<void> MemoryStore::remove_alias(std::string_view source) {
  auto parsed = parse_alias_source(source);
  if (!parsed) return parsed.error();
  std::lock_guard lock(mu_);
  if (aliases_.erase(parsed->full) > 0) return ok_result();
  for (auto it = aliases_.begin(); it != aliases_.end(); ++it) {
    if (iequals(it->first, parsed->full)) {
      aliases_.erase(it);
      return ok_result();
    }
  }
  return Error::make(ErrorCode::not_found, "no such alias", parsed->full);
}

Result<std::vector<Alias>> MemoryStore::list_aliases(std::string_view domain_or_empty) {
  std::string domain = ascii_lowercase(domain_or_empty);
  std::lock_guard lock(mu_);
  std::vector<Alias> out;
  for (auto& [source, targets] : aliases_)
    if (domain.empty() || alias_domain(source) == domain) out.push_back(Alias{source, targets});
  return out;
}

Result<std::vector<int64_t>> MemoryStore::resolve_recipient(std::string_view address) {
  std::lock_guard lock(mu_);
  RecipientLookup lookup;
  lookup.account = [this](const std::string& a) -> Result<std::optional<int64_t>> {
    auto* acct = account_by_address(a);
    if (!acct) return std::optional<int64_t>();
    return std::optional<int64_t>(acct->info.id);
  };
  lookup.alias = [this](const std::string& s) -> Result<std::optional<std::vector<std::string>>> {
    auto* targets = alias_by_source(s);
    if (!targets) return std::optional<std::vector<std::string>>();
    return std::optional<std::vector<std::string>>(*targets);
  };
  lookup.is_local_domain = [this](const std::string& d) -> Result<bool> { return domains_.count(d) > 0; };
  return resolve_with(address, lookup);
}

}  // namespace memory
}  // namespace postamt::store
