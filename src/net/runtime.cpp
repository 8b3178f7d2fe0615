// Runtime: io_contexts, their threads and the worker pool; see runtime.h.
#include "net/runtime.h"

namespace postamt::net {

Runtime::Runtime(unsigned io_threads, unsigned worker_threads) : workers_(worker_threads == 0 ? 1 : worker_threads) {
  if (io_threads == 0) io_threads = 1;
  for (unsigned i = 0; i < io_threads; ++i) {
    // Concurrency hint 1: each context is driven by exactly one thread.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
  }
}

Runtime::~Runtime() {
  stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  // Work in flight on the pool completes into the (stopped, still alive) contexts.
  workers_.join();
  // Destroying the contexts destroys suspended sessions; clean-up they post to the
  // joined pool is destroyed, and so carried out, when the pool member goes.
  guards_.clear();
  contexts_.clear();
}

asio::io_context& Runtime::next_context() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void Runtime::run() {
  for (size_t i = 1; i < contexts_.size(); ++i) {
    asio::io_context* ctx = contexts_[i].get();
    threads_.emplace_back([ctx] { ctx->run(); });
  }
  contexts_[0]->run();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void Runtime::stop() {
  for (auto& g : guards_) g.reset();
  for (auto& c : contexts_) c->stop();
}

}  // namespace postamt::net
