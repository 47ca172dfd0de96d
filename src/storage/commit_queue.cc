#include "storage/commit_queue.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace coffer::storage {

CommitQueue::CommitQueue(MetaStore* meta, std::shared_mutex* group_lock)
    : meta_(meta), group_lock_(group_lock) {
  thread_ = std::thread([this] { Loop(); });
}

CommitQueue::~CommitQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void CommitQueue::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();  // no system call unless the thread is asleep
}

void CommitQueue::Loop() {
  std::deque<Job> waiting;  // taken from queue_, not yet committed
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (waiting.empty()) wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (waiting.empty() && queue_.empty()) return;  // stopping, and nothing left
      for (auto& job : queue_) waiting.push_back(std::move(job));
      queue_.clear();
    }
    CommitGroup(waiting);
  }
}

void CommitQueue::CommitGroup(std::deque<Job>& waiting) {
  std::shared_lock<std::shared_mutex> shared;
  if (group_lock_) shared = std::shared_lock(*group_lock_);
  std::vector<std::mutex*> held;
  absl::flat_hash_set<std::string> keys;
  std::vector<Job> staged;
  std::vector<std::pair<Job, absl::Status>> dropped;
  WriteBatch all;
  size_t bytes = 0;
  while (!waiting.empty() && staged.size() < kMaxJobs && bytes < kMaxBytes) {
    Job& job = waiting.front();
    if (keys.contains(job.key)) break;
    if (job.lock && std::find(held.begin(), held.end(), job.lock) == held.end()) {
      job.lock->lock();
      held.push_back(job.lock);
    }
    if (absl::Status s = job.stage(job.batch); !s.ok()) {
      dropped.emplace_back(std::move(job), std::move(s));
    } else {
      keys.insert(job.key);
      for (const auto& op : job.batch.ops())
        bytes += op.key.size() + (op.value ? op.value->size() : 0);
      all.Append(std::move(job.batch));
      staged.push_back(std::move(job));
    }
    waiting.pop_front();
  }
  const absl::Status written = all.empty() ? absl::OkStatus() : meta_->Write(all, /*sync=*/true);
  for (auto* m : held) m->unlock();
  if (shared.owns_lock()) shared.unlock();
  for (auto& job : staged) job.done(written);
  for (auto& [job, error] : dropped) job.done(error);
}

}  // namespace coffer::storage
