// Awaiting work done on other threads, so that network threads never block:
// - RunBlocking runs a blocking call (fsync, a synced metadata write) on the
//   BlockingPool;
// - AwaitCallback awaits work that reports through a callback from a thread of its own
//   (such as a commit queue), without a pool thread waiting for it.
// Either way the calling coroutine resumes on its own executor.
#pragma once

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

#include "absl/functional/any_invocable.h"
#include "base/blocking_pool.h"
#include "http/exchange.h"

namespace coffer::http {

using base::BlockingPool;

template <typename F>
Task<std::invoke_result_t<F>> RunBlocking(F fn) {
  using R = std::invoke_result_t<F>;
  co_return co_await boost::asio::co_spawn(
      BlockingPool(), [fn = std::move(fn)]() mutable -> Task<R> { co_return fn(); },
      boost::asio::use_awaitable);
}

// `start(done)` starts the work, which must call `done(value)` exactly once, from any
// thread; the coroutine then resumes with `value`.
template <typename T, typename Start>
Task<T> AwaitCallback(Start start) {
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      [&start](auto handler) {
        auto executor = boost::asio::get_associated_executor(handler);
        start(absl::AnyInvocable<void(T)>(
            [handler = std::move(handler), executor](T value) mutable {
              // Invoking the handler would run the coroutine right here: hand it over.
              boost::asio::post(executor, [handler = std::move(handler),
                                           value = std::move(value)]() mutable {
                std::move(handler)(std::move(value));
              });
            }));
      },
      boost::asio::use_awaitable);
}

}  // namespace coffer::http
