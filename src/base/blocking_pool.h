// BlockingPool: the process-wide thread pool for work that waits on the disk (synced
// metadata writes, fsync, direct writes of object bodies), so that network threads
// never do. http::RunBlocking awaits work on it from a coroutine; other layers post
// std::packaged_task's to it and wait on the future.
#pragma once

#include <boost/asio/thread_pool.hpp>

namespace coffer::base {

// Created on first use; its threads live until the process exits.
boost::asio::thread_pool& BlockingPool();

}  // namespace coffer::base
