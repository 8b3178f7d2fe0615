// Group commit; see group_commit.h.
#include "store/sqlite/group_commit.h"

namespace postamt::store::sqlite {

// Ends a leadership even if a job unwinds with an exception (a bug): waiters of
// the batch get an internal error instead of waiting forever, and the open
// transaction is rolled back.
class GroupCommit::LeaderGuard {
 public:
  LeaderGuard(GroupCommit& gc, std::vector<Pending*>& batch) : gc_(gc), batch_(batch) {}
  ~LeaderGuard() {
    if (!gc_.db_.autocommit()) (void)gc_.db_.exec("ROLLBACK");
    std::lock_guard lock(gc_.mu_);
    for (auto* p : batch_) {
      if (!p->done && !finished_) p->result = Error::make(ErrorCode::internal, "write aborted");
      p->done = true;
    }
    gc_.leader_active_ = false;
    gc_.cv_.notify_all();
  }
  void finished() { finished_ = true; }

 private:
  GroupCommit& gc_;
  std::vector<Pending*>& batch_;
  bool finished_ = false;
};

Result<void> GroupCommit::run(const Job& job) {
  Pending self{&job, {}, false};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  while (!self.done) {
    if (leader_active_) {
      cv_.wait(lock);
      continue;
    }
    // Lead: take everything queued so far, including our own job. Jobs arriving
    // meanwhile wait for the next leader, which one of them becomes on wake-up.
    leader_active_ = true;
    std::vector<Pending*> batch;
    batch.swap(queue_);
    lock.unlock();
    {
      LeaderGuard guard(*this, batch);
      execute(batch);
      guard.finished();
    }
    lock.lock();
  }
  return std::move(self.result);
}

void GroupCommit::execute(const std::vector<Pending*>& batch) {
  jobs_ += batch.size();
  // IMMEDIATE: take the database write lock now (waiting up to the busy timeout
  // for another process), so no statement inside can fail with SQLITE_BUSY.
  if (auto begin = db_.exec("BEGIN IMMEDIATE"); !begin) {
    for (auto* p : batch) p->result = begin.error();
    return;
  }
  std::vector<Pending*> succeeded;
  std::vector<std::string> blob_candidates;
  for (auto* p : batch) {
    if (auto sp = db_.exec("SAVEPOINT job"); !sp) {
      p->result = sp.error();
      continue;
    }
    TxContext ctx{db_, {}};
    Result<void> r = (*p->job)(ctx);
    if (r) r = db_.exec("RELEASE job");
    if (db_.autocommit()) {
      // SQLite rolled the whole transaction back by itself (disk full, I/O
      // error): every job of the batch is lost, including earlier ones.
      Error err = r ? Error::make(ErrorCode::temp, "transaction aborted") : r.error();
      for (auto* q : batch)
        if (q == p || q->result.ok()) q->result = err;
      return;
    }
    if (!r) {
      (void)db_.exec("ROLLBACK TO job");
      (void)db_.exec("RELEASE job");
      p->result = std::move(r);
      continue;
    }
    p->result = ok_result();
    succeeded.push_back(p);
    for (auto& id : ctx.unreferenced_blobs) blob_candidates.push_back(std::move(id));
  }
  if (auto commit = db_.exec("COMMIT"); !commit) {
    (void)db_.exec("ROLLBACK");
    for (auto* p : succeeded) p->result = commit.error();
    return;
  }
  ++commits_;
  if (!blob_candidates.empty() && after_commit_) after_commit_(db_, blob_candidates);
}

}  // namespace postamt::store::sqlite
