// The SQLite schema and its migrations, versioned with PRAGMA user_version.
#pragma once

#include "base/result.h"
#include "store/sqlite/sqlite_db.h"

namespace postamt::store::sqlite {

inline constexpr int kSchemaVersion = 2;

// Brings the database up to kSchemaVersion inside one write transaction, so two
// processes opening a fresh directory at once cannot both migrate. Refuses a
// database written by a newer version.
Result<void> apply_schema(Db& db);
// The same, up to target_version only (tests of the migrations).
Result<void> apply_schema(Db& db, int target_version);

}  // namespace postamt::store::sqlite
