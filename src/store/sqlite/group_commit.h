// Group commit (DESIGN §5): concurrent writers share one transaction and one WAL
// fsync. Callers enqueue a job; whoever finds no leader active becomes leader,
// takes every pending job, runs each inside its own SAVEPOINT (a failing job
// rolls back only its own part), commits once, and wakes every waiter with its
// own result. A job's success is reported only after COMMIT returned, i.e. after
// the WAL fsync (synchronous=FULL).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/sqlite/sqlite_db.h"

namespace postamt::store::sqlite {

// What a job sees: the writer connection inside an open transaction, and a list
// to name blobs that may have lost their last reference (checked after commit).
struct TxContext {
  Db& db;
  std::vector<std::string> unreferenced_blobs;
};

class GroupCommit {
 public:
  using Job = std::function<Result<void>(TxContext&)>;
  // Runs on the leader thread after a successful commit, with the writer
  // connection and no transaction open, before waiters are woken.
  using AfterCommit = std::function<void(Db&, const std::vector<std::string>& blob_candidates)>;

  GroupCommit(Db& writer, AfterCommit after_commit) : db_(writer), after_commit_(std::move(after_commit)) {}

  // Blocks until the job's transaction committed (or failed). Jobs must not call
  // run() themselves.
  Result<void> run(const Job& job);

  uint64_t commit_count() const { return commits_.load(); }
  uint64_t job_count() const { return jobs_.load(); }

 private:
  struct Pending {
    const Job* job;
    Result<void> result;
    bool done = false;
  };
  class LeaderGuard;

  void execute(const std::vector<Pending*>& batch);

  Db& db_;
  AfterCommit after_commit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending*> queue_;
  bool leader_active_ = false;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> jobs_{0};
};

}  // namespace postamt::store::sqlite
