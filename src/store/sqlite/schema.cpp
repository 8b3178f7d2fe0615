// SQLite schema, version 2 (DESIGN §5). Each migration step runs in the same
// transaction as the user_version bump, so a crash leaves either the old or the
// new version, never a half-applied one.
//
// Conventions: domains and the domain part of addresses are stored lower-case;
// times are unix seconds; flags are space-joined atoms; blob ids are hex sha256.
// Blob reference counts are computed (messages + queue rows), not stored, so they
// cannot drift.
#include "store/sqlite/schema.h"

#include <string>

namespace postamt::store::sqlite {

namespace {

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO meta(key, value) VALUES ('last_uidvalidity', 0);

CREATE TABLE domains (
  name    TEXT PRIMARY KEY,
  created INTEGER NOT NULL
);

CREATE TABLE accounts (
  id               INTEGER PRIMARY KEY,
  address          TEXT NOT NULL UNIQUE,
  domain           TEXT NOT NULL REFERENCES domains(name),
  password_hash    TEXT NOT NULL,
  scram_salt       BLOB NOT NULL,
  scram_iterations INTEGER NOT NULL,
  scram_stored_key BLOB NOT NULL,
  scram_server_key BLOB NOT NULL,
  quota_bytes      INTEGER NOT NULL DEFAULT 0,
  used_bytes       INTEGER NOT NULL DEFAULT 0,
  highest_modseq   INTEGER NOT NULL DEFAULT 0,
  created          INTEGER NOT NULL
);
CREATE INDEX accounts_address_nocase ON accounts(address COLLATE NOCASE);
CREATE INDEX accounts_domain ON accounts(domain);

CREATE TABLE aliases (
  id     INTEGER PRIMARY KEY,
  source TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL REFERENCES domains(name)
);
CREATE INDEX aliases_source_nocase ON aliases(source COLLATE NOCASE);
CREATE INDEX aliases_domain ON aliases(domain);

CREATE TABLE alias_targets (
  alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  target   TEXT NOT NULL,
  PRIMARY KEY (alias_id, position)
) WITHOUT ROWID;

CREATE TABLE mailboxes (
  id             INTEGER PRIMARY KEY,
  account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  special_use    TEXT NOT NULL DEFAULT '',
  uidvalidity    INTEGER NOT NULL,
  uidnext        INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 0,
  messages       INTEGER NOT NULL DEFAULT 0,
  total_bytes    INTEGER NOT NULL DEFAULT 0,
  subscribed     INTEGER NOT NULL DEFAULT 1,
  UNIQUE (account_id, name)
);

CREATE TABLE blobs (
  id      TEXT PRIMARY KEY,
  size    INTEGER NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE messages (
  mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid           INTEGER NOT NULL,
  modseq        INTEGER NOT NULL,
  flags         TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  save_date     INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  blob_id       TEXT NOT NULL REFERENCES blobs(id),
  trace_prefix  BLOB NOT NULL,
  email_id      TEXT NOT NULL UNIQUE,
  summary_json  TEXT NOT NULL DEFAULT '',
  preview       TEXT NOT NULL DEFAULT '',
  subject       TEXT NOT NULL DEFAULT '',
  from_addr     TEXT NOT NULL DEFAULT '',
  message_id    TEXT NOT NULL DEFAULT '',
  sent_date     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX messages_blob ON messages(blob_id);
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);

-- RFC 7162 §3.2.5 (QRESYNC VANISHED): which UIDs went away at which modseq.
CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid        INTEGER NOT NULL,
  modseq     INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);

-- One row per modseq of an account (kind: 0 appended, 1 expunged, 2 flags,
-- 3 mailbox), so JMAP state strings and changes can be derived later.
CREATE TABLE change_log (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  modseq     INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  created    INTEGER NOT NULL,
  PRIMARY KEY (account_id, modseq)
) WITHOUT ROWID;

CREATE TABLE queue (
  id           INTEGER PRIMARY KEY,
  queue_id     TEXT NOT NULL UNIQUE,
  mail_from    TEXT NOT NULL,
  auth_user    TEXT NOT NULL DEFAULT '',
  smtputf8     INTEGER NOT NULL DEFAULT 0,
  body_8bit    INTEGER NOT NULL DEFAULT 0,
  ret          TEXT NOT NULL DEFAULT '',
  envid        TEXT NOT NULL DEFAULT '',
  blob_id      TEXT NOT NULL REFERENCES blobs(id),
  size         INTEGER NOT NULL,
  created      INTEGER NOT NULL,
  next_attempt INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  state        TEXT NOT NULL DEFAULT 'queued',
  last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_blob ON queue(blob_id);
CREATE INDEX queue_due ON queue(state, next_attempt);

-- Per-recipient delivery state (state: pending, delivered, failed).
CREATE TABLE queue_recipients (
  queue_row  INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  address    TEXT NOT NULL,
  orcpt      TEXT NOT NULL DEFAULT '',
  notify     TEXT NOT NULL DEFAULT '',
  state      TEXT NOT NULL DEFAULT 'pending',
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (queue_row, position)
) WITHOUT ROWID;
)sql";

// Version 2 (issue 3, IMAP): subscriptions as their own set of names (RFC 9051
// §6.3.7: a name may be subscribed without existing), the full-text index, and
// no mailbox with HIGHESTMODSEQ 0 (RFC 7162 mod-sequences are positive).
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE subscriptions (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
INSERT INTO subscriptions(account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
ALTER TABLE mailboxes DROP COLUMN subscribed;

-- Search text (IMAP SEARCH BODY/TEXT), stored once per blob however many
-- messages share it: blob_text maps a blob to the rowid of its blob_fts row.
-- Collected with the blob. Messages stored before version 2 have no row.
CREATE TABLE blob_text (
  id      INTEGER PRIMARY KEY,
  blob_id TEXT NOT NULL UNIQUE REFERENCES blobs(id)
);
-- Trigram index: substring search for needles of 3+ characters (a quoted
-- phrase of consecutive trigrams). The text is casefolded before it gets here,
-- so the tokenizer must not fold again.
CREATE VIRTUAL TABLE blob_fts USING fts5(headers, body, tokenize = 'trigram case_sensitive 1');

UPDATE accounts SET highest_modseq = highest_modseq + 1
  WHERE id IN (SELECT account_id FROM mailboxes WHERE highest_modseq = 0);
UPDATE mailboxes SET highest_modseq = (SELECT a.highest_modseq FROM accounts a WHERE a.id = mailboxes.account_id)
  WHERE highest_modseq = 0;
)sql";

// Index i holds the step from version i to i + 1.
constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);

}  // namespace

Result<void> apply_schema(Db& db) { return apply_schema(db, kSchemaVersion); }

Result<void> apply_schema(Db& db, int target_version) {
  if (target_version < 1 || target_version > kSchemaVersion)
    return Error::make(ErrorCode::internal, "no such schema version", std::to_string(target_version));
  auto current = db.query_i64("PRAGMA user_version", 0);
  if (!current) return current.error();
  if (*current >= target_version && *current <= kSchemaVersion) return ok_result();

  // IMMEDIATE: take the write lock before reading the version again.
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
  auto version = db.query_i64("PRAGMA user_version", 0);
  Result<void> result;
  if (!version) {
    result = version.error();
  } else if (*version > kSchemaVersion) {
    result = Error::make(ErrorCode::internal, "database was created by a newer postamt",
                         "schema version " + std::to_string(*version));
  } else {
    for (int64_t v = *version; v < target_version && result.ok(); ++v) result = db.exec(kMigrations[v]);
    if (result && *version < target_version) {
      std::string bump = "PRAGMA user_version = " + std::to_string(target_version);
      result = db.exec(bump.c_str());
    }
  }
  if (!result) {
    (void)db.exec("ROLLBACK");
    return result;
  }
  return db.exec("COMMIT");
}

}  // namespace postamt::store::sqlite
