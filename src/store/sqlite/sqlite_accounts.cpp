// SQLite backend: accounts, credentials, quotas, aliases and recipient
// resolution. Addresses are matched with the exact local part first, then
// case-insensitively (ASCII, like Postfix/Dovecot lower-casing by default);
// add_account/add_alias refuse an address that differs from an existing one only
// by case, so the fallback can never pick between two owners.
#include "base/strings.h"
#include "store/resolve.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_util.h"

namespace postamt::store::sqlite {

namespace {

constexpr const char* kAccountColumns =
    "id, address, password_hash, scram_salt, scram_iterations, scram_stored_key, scram_server_key, "
    "quota_bytes, used_bytes";

Account read_account(const Stmt& s) {
  Account a;
  a.id = s.i64(0);
  a.address = s.text(1);
  a.password_hash = s.text(2);
  a.scram.salt = s.blob(3);
  a.scram.iterations = static_cast<uint32_t>(s.i64(4));
  a.scram.stored_key = s.blob(5);
  a.scram.server_key = s.blob(6);
  a.quota_bytes = static_cast<uint64_t>(s.i64(7));
  a.used_bytes = static_cast<uint64_t>(s.i64(8));
  return a;
}

// Statement text built once; the cache keys on the text, so these must be stable.
const std::string& account_query(bool nocase) {
  static const std::string exact = std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE address = ?1";
  static const std::string folded = std::string("SELECT ") + kAccountColumns +
                                    " FROM accounts WHERE address = ?1 COLLATE NOCASE ORDER BY id LIMIT 1";
  return nocase ? folded : exact;
}

Result<std::vector<Account>> collect_accounts(Stmt& stmt) {
  std::vector<Account> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_account(stmt));
  }
}

Error account_not_found(std::string_view address) {
  return Error::make(ErrorCode::not_found, "no such account", std::string(address));
}

}  // namespace

Result<std::optional<Account>> SqliteStoreImpl::account_by_address(Db& db, const std::string& address) {
  for (bool nocase : {false, true}) {
    auto stmt = db.prepare(account_query(nocase).c_str());
    if (!stmt) return stmt.error();
    stmt->bind(1, address);
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row) return std::optional<Account>(read_account(*stmt));
  }
  return std::optional<Account>();
}

Result<std::optional<std::vector<std::string>>> SqliteStoreImpl::alias_targets(Db& db, const std::string& source) {
  int64_t alias_id = 0;
  for (const char* sql : {"SELECT id FROM aliases WHERE source = ?1",
                          "SELECT id FROM aliases WHERE source = ?1 COLLATE NOCASE ORDER BY id LIMIT 1"}) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind(1, source);
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row) {
      alias_id = stmt->i64(0);
      break;
    }
  }
  if (alias_id == 0) return std::optional<std::vector<std::string>>();
  auto stmt = db.prepare("SELECT target FROM alias_targets WHERE alias_id = ?1 ORDER BY position");
  if (!stmt) return stmt.error();
  stmt->bind(1, alias_id);
  std::vector<std::string> targets;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    targets.push_back(stmt->text(0));
  }
  return std::optional<std::vector<std::string>>(std::move(targets));
}

Result<Account> SqliteStoreImpl::add_account(std::string_view address, std::string_view password_hash,
                                             const ScramKeys& scram, uint64_t quota_bytes) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  int64_t id = 0;
  auto r = write([&](TxContext& tx) -> Result<void> {
    auto domain_ok = domain_exists(tx.db, parsed->domain);
    if (!domain_ok) return domain_ok.error();
    if (!*domain_ok)
      return Error::make(ErrorCode::params, "domain " + parsed->domain + " is not a local domain; add it first");
    auto existing = account_by_address(tx.db, parsed->full);
    if (!existing) return existing.error();
    if (*existing) return Error::make(ErrorCode::exists, "account exists already", parsed->full);
    auto alias = alias_targets(tx.db, parsed->full);
    if (!alias) return alias.error();
    if (*alias) return Error::make(ErrorCode::exists, "an alias with this address exists", parsed->full);

    auto stmt = tx.db.prepare(
        "INSERT INTO accounts(address, domain, password_hash, scram_salt, scram_iterations, scram_stored_key, "
        "scram_server_key, quota_bytes, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!stmt) return stmt.error();
    stmt->bind(1, parsed->full).bind(2, parsed->domain).bind(3, password_hash).bind_blob(4, scram.salt);
    stmt->bind(5, int64_t{scram.iterations}).bind_blob(6, scram.stored_key).bind_blob(7, scram.server_key);
    stmt->bind(8, static_cast<int64_t>(quota_bytes)).bind(9, unix_now());
    if (auto ins = stmt->run(); !ins) return ins;
    id = tx.db.last_insert_id();
    std::vector<Change> unpublished;  // a new account has no sessions to tell
    for (const auto& mb : kDefaultMailboxes) {
      if (auto c = insert_mailbox(tx.db, id, mb.name, mb.special_use, unpublished); !c) return c.error();
      auto sub = tx.db.prepare("INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?1, ?2)");
      if (!sub) return sub.error();
      if (auto s = sub->bind(1, id).bind(2, mb.name).run(); !s) return s;
    }
    return ok_result();
  });
  if (!r) return r.error();
  return get_account(id);
}

Result<void> SqliteStoreImpl::set_password(std::string_view address, std::string_view password_hash,
                                           const ScramKeys& scram) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  return write([&](TxContext& tx) -> Result<void> {
    auto acct = account_by_address(tx.db, parsed->full);
    if (!acct) return acct.error();
    if (!*acct) return account_not_found(parsed->full);
    auto stmt = tx.db.prepare(
        "UPDATE accounts SET password_hash = ?2, scram_salt = ?3, scram_iterations = ?4, scram_stored_key = ?5, "
        "scram_server_key = ?6 WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, (*acct)->id).bind(2, password_hash).bind_blob(3, scram.salt).bind(4, int64_t{scram.iterations});
    stmt->bind_blob(5, scram.stored_key).bind_blob(6, scram.server_key);
    return stmt->run();
  });
}

Result<void> SqliteStoreImpl::set_quota(std::string_view address, uint64_t quota_bytes) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  return write([&](TxContext& tx) -> Result<void> {
    auto acct = account_by_address(tx.db, parsed->full);
    if (!acct) return acct.error();
    if (!*acct) return account_not_found(parsed->full);
    auto stmt = tx.db.prepare("UPDATE accounts SET quota_bytes = ?2 WHERE id = ?1");
    if (!stmt) return stmt.error();
    return stmt->bind(1, (*acct)->id).bind(2, static_cast<int64_t>(quota_bytes)).run();
  });
}

Result<void> SqliteStoreImpl::remove_account(std::string_view address) {
  auto parsed = parse_address(address);
  if (!parsed) return parsed.error();
  return write([&](TxContext& tx) -> Result<void> {
    auto acct = account_by_address(tx.db, parsed->full);
    if (!acct) return acct.error();
    if (!*acct) return account_not_found(parsed->full);
    int64_t id = (*acct)->id;
    {
      auto blobs = tx.db.prepare(
          "SELECT DISTINCT blob_id FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)");
      if (!blobs) return blobs.error();
      blobs->bind(1, id);
      for (;;) {
        auto row = blobs->step();
        if (!row) return row.error();
        if (!*row) break;
        tx.unreferenced_blobs.push_back(blobs->text(0));
      }
    }
    // Explicit deletes in dependency order; ON DELETE CASCADE would do the same,
    // but this keeps the work visible and independent of the foreign_keys pragma.
    for (const char* sql : {
             "DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)",
             "DELETE FROM expunged WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)",
             "DELETE FROM mailboxes WHERE account_id = ?1",
             "DELETE FROM subscriptions WHERE account_id = ?1",
             "DELETE FROM change_log WHERE account_id = ?1",
             "DELETE FROM accounts WHERE id = ?1",
         }) {
      auto stmt = tx.db.prepare(sql);
      if (!stmt) return stmt.error();
      if (auto r = stmt->bind(1, id).run(); !r) return r;
    }
    return ok_result();
  });
}

Result<std::vector<Account>> SqliteStoreImpl::list_accounts(std::string_view domain_or_empty) {
  auto db = reader();
  if (!db) return db.error();
  if (domain_or_empty.empty()) {
    static const std::string sql = std::string("SELECT ") + kAccountColumns + " FROM accounts ORDER BY address";
    auto stmt = (*db)->prepare(sql.c_str());
    if (!stmt) return stmt.error();
    return collect_accounts(*stmt);
  }
  static const std::string sql =
      std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE domain = ?1 ORDER BY address";
  auto stmt = (*db)->prepare(sql.c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, ascii_lowercase(domain_or_empty));
  return collect_accounts(*stmt);
}

Result<Account> SqliteStoreImpl::find_account(std::string_view address) {
  auto parsed = parse_address(address);
  if (!parsed) return account_not_found(address);  // a login name that cannot exist
  auto db = reader();
  if (!db) return db.error();
  auto acct = account_by_address(**db, parsed->full);
  if (!acct) return acct.error();
  if (!*acct) return account_not_found(parsed->full);
  return std::move(**acct);
}

Result<Account> SqliteStoreImpl::get_account(int64_t account_id) {
  auto db = reader();
  if (!db) return db.error();
  static const std::string sql = std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id = ?1";
  auto stmt = (*db)->prepare(sql.c_str());
  if (!stmt) return stmt.error();
  stmt->bind(1, account_id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return account_not_found(std::to_string(account_id));
  return read_account(*stmt);
}

Result<void> SqliteStoreImpl::add_alias(std::string_view source, const std::vector<std::string>& targets) {
  auto parsed = parse_alias_source(source);
  if (!parsed) return parsed.error();
  if (targets.empty()) return Error::make(ErrorCode::params, "an alias needs at least one target");
  std::vector<std::string> normalized;
  for (const auto& t : targets) {
    auto pt = parse_address(t);
    if (!pt) return Error::make(ErrorCode::params, "invalid alias target: " + t);
    normalized.push_back(pt->full);
  }
  return write([&](TxContext& tx) -> Result<void> {
    auto domain_ok = domain_exists(tx.db, parsed->domain);
    if (!domain_ok) return domain_ok.error();
    if (!*domain_ok)
      return Error::make(ErrorCode::params, "domain " + parsed->domain + " is not a local domain; add it first");
    auto existing = alias_targets(tx.db, parsed->full);
    if (!existing) return existing.error();
    if (*existing) return Error::make(ErrorCode::exists, "alias exists already", parsed->full);
    auto acct = account_by_address(tx.db, parsed->full);
    if (!acct) return acct.error();
    if (*acct) return Error::make(ErrorCode::exists, "an account with this address exists", parsed->full);

    auto stmt = tx.db.prepare("INSERT INTO aliases(source, domain) VALUES (?1, ?2)");
    if (!stmt) return stmt.error();
    if (auto r = stmt->bind(1, parsed->full).bind(2, parsed->domain).run(); !r) return r;
    int64_t alias_id = tx.db.last_insert_id();
    for (size_t i = 0; i < normalized.size(); ++i) {
      auto t = tx.db.prepare("INSERT INTO alias_targets(alias_id, position, target) VALUES (?1, ?2, ?3)");
      if (!t) return t.error();
      if (auto r = t->bind(1, alias_id).bind(2, static_cast<int64_t>(i)).bind(3, normalized[i]).run(); !r)
        return r;
    }
    return ok_result();
  });
}

Result<void> SqliteStoreImpl::remove_alias(std::string_view source) {
  auto parsed = parse_alias_source(source);
  if (!parsed) return parsed.error();
  return write([&](TxContext& tx) -> Result<void> {
    auto stmt = tx.db.prepare("DELETE FROM aliases WHERE source = ?1");
    if (!stmt) return stmt.error();
    if (auto r = stmt->bind(1, parsed->full).run(); !r) return r;
    if (tx.db.changes() > 0) return ok_result();
    auto folded = tx.db.prepare(
        "DELETE FROM aliases WHERE id = (SELECT id FROM aliases WHERE source = ?1 COLLATE NOCASE ORDER BY id LIMIT 1)");
    if (!folded) return folded.error();
    if (auto r = folded->bind(1, parsed->full).run(); !r) return r;
    if (tx.db.changes() == 0) return Error::make(ErrorCode::not_found, "no such alias", parsed->full);
    return ok_result();
  });
}

Result<std::vector<Alias>> SqliteStoreImpl::list_aliases(std::string_view domain_or_empty) {
  auto db = reader();
  if (!db) return db.error();
  // ?1 = '' lists every domain.
  auto stmt = (*db)->prepare(
      "SELECT a.source, t.target FROM aliases a JOIN alias_targets t ON t.alias_id = a.id "
      "WHERE ?1 = '' OR a.domain = ?1 ORDER BY a.source, t.position");
  if (!stmt) return stmt.error();
  stmt->bind(1, ascii_lowercase(domain_or_empty));
  std::vector<Alias> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    auto source = stmt->text(0);
    if (out.empty() || out.back().source != source) out.push_back(Alias{source, {}});
    out.back().targets.push_back(stmt->text(1));
  }
  return out;
}

Result<std::vector<int64_t>> SqliteStoreImpl::resolve_recipient(std::string_view address) {
  auto db = reader();
  if (!db) return db.error();
  Db& conn = **db;
  RecipientLookup lookup;
  lookup.account = [&conn](const std::string& a) -> Result<std::optional<int64_t>> {
    auto acct = account_by_address(conn, a);
    if (!acct) return acct.error();
    if (!*acct) return std::optional<int64_t>();
    return std::optional<int64_t>((*acct)->id);
  };
  lookup.alias = [&conn](const std::string& s) { return alias_targets(conn, s); };
  lookup.is_local_domain = [&conn](const std::string& d) { return domain_exists(conn, d); };
  return resolve_with(address, lookup);
}

}  // namespace postamt::store::sqlite
