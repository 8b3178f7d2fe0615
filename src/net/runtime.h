// The process's I/O runtime (DESIGN §2): one io_context per core, each driven by
// one thread; a small worker pool for blocking work (SQLite, fsync, argon2, MIME
// parsing of big messages); offload() lets a coroutine await such work.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace postamt::net {

namespace asio = boost::asio;

class Runtime {
 public:
  Runtime(unsigned io_threads, unsigned worker_threads);
  ~Runtime();
  asio::io_context& main_context() { return *contexts_[0]; }
  asio::io_context& next_context();  // round robin for new connections
  asio::thread_pool& workers() { return workers_; }
  // Runs every context (context 0 on the calling thread) until stop().
  void run();
  void stop();

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  asio::thread_pool workers_;
  std::atomic<unsigned> next_{0};
};

// Runs f() on the worker pool and resumes the calling coroutine on its own
// executor with the result. f must return a default-constructible-or-not value;
// it is wrapped in optional because co_spawn needs a default-constructible result.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(asio::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F&>;
  auto task = [fn = std::move(f)]() mutable -> asio::awaitable<std::optional<R>> {
    co_return std::optional<R>(fn());
  };
  std::optional<R> r = co_await asio::co_spawn(pool, std::move(task), asio::use_awaitable);
  co_return std::move(*r);
}

}  // namespace postamt::net
