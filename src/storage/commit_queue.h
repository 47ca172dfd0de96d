// CommitQueue: group commit of synced metadata writes, on a thread of its own.
//
// Callers Submit() jobs and go on; nobody blocks a thread to wait for the disk. The
// queue's thread takes the jobs waiting, in order, into a group, and for each job:
//   1. locks `lock` (if given; a lock the group already holds is not taken again);
//   2. runs `stage`, which reads what it needs and adds the job's changes to the job's
//      `batch`. A job whose `stage` fails drops out: its batch is discarded and its
//      `done` gets the error.
// Then it writes every staged batch as one synced MetaStore::Write, unlocks, and calls
// each job's `done` with the outcome. One fsync and one wake-up of this thread serve
// the whole group.
//
// Two jobs with the same `key` never share a group (the second must see what the
// first wrote), and a group stops growing at kMaxJobs jobs or kMaxBytes of changes.
// `group_lock`, if given, is held shared from the first staging of a group until its
// write is done. Everything these callbacks lock must be released by its other
// holders without waiting on this queue, or they deadlock with it. `stage` and `done`
// run on the queue's thread: they must be quick and must not Submit and wait. The
// destructor finishes every job submitted before it.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "storage/meta_store.h"

namespace coffer::storage {

class CommitQueue {
 public:
  static constexpr size_t kMaxJobs = 256;
  static constexpr size_t kMaxBytes = 4 << 20;

  struct Job {
    std::string key;
    std::mutex* lock = nullptr;
    WriteBatch batch;
    absl::AnyInvocable<absl::Status(WriteBatch&)> stage;
    absl::AnyInvocable<void(const absl::Status&)> done;
  };

  CommitQueue(MetaStore* meta, std::shared_mutex* group_lock);
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  void Submit(Job job);

 private:
  void Loop();
  // Stages and commits jobs from the front of `waiting` until a group is full or a
  // key repeats; returns with the jobs it took removed.
  void CommitGroup(std::deque<Job>& waiting);

  MetaStore* meta_;
  std::shared_mutex* group_lock_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace coffer::storage
