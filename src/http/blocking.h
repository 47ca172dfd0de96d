// RunBlocking: runs a blocking call (fsync, a synced metadata write) on a separate
// thread pool so the network threads keep serving other connections, then resumes
// the calling coroutine on its own executor.
#pragma once

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

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

}  // namespace coffer::http
