#include "base/blocking_pool.h"

namespace coffer::base {

boost::asio::thread_pool& BlockingPool() {
  // Its threads mostly wait on the disk. Synced metadata writes that wait together
  // share one WAL sync (RocksDB's group commit), so the pool is as wide as the
  // concurrency we expect small writes at: with 8 threads, 64 clients' 4 KiB PUTs
  // queued behind 8-write groups (~2,300/s here); with 64 they share larger ones.
  static boost::asio::thread_pool pool(64);
  return pool;
}

}  // namespace coffer::base
