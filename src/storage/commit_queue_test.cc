#include "storage/commit_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "base/ids.h"

namespace coffer::storage {
namespace {

// A RocksDB store that counts synced writes and can be told to fail them, as a full
// or broken disk would.
class Observed : public MetaStore {
 public:
  explicit Observed(std::unique_ptr<MetaStore> inner) : inner_(std::move(inner)) {}
  absl::StatusOr<std::optional<std::string>> Get(Table t, std::string_view key) override {
    return inner_->Get(t, key);
  }
  absl::Status Write(const WriteBatch& b, bool sync) override {
    if (sync) ++synced_writes;
    if (fail_writes) return absl::ResourceExhaustedError("no space left on device");
    return inner_->Write(b, sync);
  }
  std::unique_ptr<MetaIterator> Scan(Table t, std::string_view start) override {
    return inner_->Scan(t, start);
  }
  std::atomic<int> synced_writes{0};
  std::atomic<bool> fail_writes{false};

 private:
  std::unique_ptr<MetaStore> inner_;
};

class CommitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-commit-" + NewUniqueId())).string();
    auto rocks = OpenRocksMetaStore(dir_);
    ASSERT_TRUE(rocks.ok()) << rocks.status();
    store_ = std::make_unique<Observed>(*std::move(rocks));
    queue_ = std::make_unique<CommitQueue>(store_.get(), &group_lock_);
  }
  void TearDown() override {
    queue_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A job that writes `value` under `key`; its outcome arrives in the returned future.
  std::future<absl::Status> Put(const std::string& key, const std::string& value,
                                std::mutex* lock = nullptr) {
    auto outcome = std::make_shared<std::promise<absl::Status>>();
    auto future = outcome->get_future();
    CommitQueue::Job job;
    job.key = key;
    job.lock = lock;
    job.stage = [key, value](WriteBatch& batch) {
      batch.Put(Table::kObjects, key, value);
      return absl::OkStatus();
    };
    job.done = [outcome](const absl::Status& s) { outcome->set_value(s); };
    queue_->Submit(std::move(job));
    return future;
  }

  std::optional<std::string> Read(const std::string& key) { return *store_->Get(Table::kObjects, key); }

  std::string dir_;
  std::shared_mutex group_lock_;
  std::unique_ptr<Observed> store_;
  std::unique_ptr<CommitQueue> queue_;
};

TEST_F(CommitQueueTest, JobsWaitingTogetherShareOneSyncedWrite) {
  std::vector<std::future<absl::Status>> outcomes;
  std::mutex shared_key_lock;  // two jobs on different keys may share a lock
  {
    std::unique_lock stall(group_lock_);  // the queue cannot start a group meanwhile
    for (int i = 0; i < 50; ++i)
      outcomes.push_back(Put("k" + std::to_string(i), "v" + std::to_string(i),
                             i < 2 ? &shared_key_lock : nullptr));
  }
  for (auto& f : outcomes) EXPECT_TRUE(f.get().ok());
  // The first job may have been taken alone before the stall; the rest go together.
  EXPECT_LE(store_->synced_writes.load(), 2);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(Read("k" + std::to_string(i)), "v" + std::to_string(i));
}

TEST_F(CommitQueueTest, ASecondJobOnTheSameKeySeesTheFirstOnesWrite) {
  // Each job increments a counter it reads while staging: sharing a group would let
  // two of them read the same value and lose an increment.
  std::vector<std::future<absl::Status>> outcomes;
  {
    std::unique_lock stall(group_lock_);
    for (int i = 0; i < 3; ++i) {
      auto outcome = std::make_shared<std::promise<absl::Status>>();
      outcomes.push_back(outcome->get_future());
      CommitQueue::Job job;
      job.key = "counter";
      job.stage = [this](WriteBatch& batch) {
        auto now = Read("counter");
        batch.Put(Table::kObjects, "counter", std::to_string(now ? std::stoi(*now) + 1 : 1));
        return absl::OkStatus();
      };
      job.done = [outcome](const absl::Status& s) { outcome->set_value(s); };
      queue_->Submit(std::move(job));
    }
  }
  for (auto& f : outcomes) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(Read("counter"), "3");
  EXPECT_EQ(store_->synced_writes.load(), 3);
}

TEST_F(CommitQueueTest, AJobWhoseStagingFailsIsLeftOutAlone) {
  std::vector<std::future<absl::Status>> outcomes;
  std::future<absl::Status> refused;
  {
    std::unique_lock stall(group_lock_);
    outcomes.push_back(Put("a", "1"));
    auto outcome = std::make_shared<std::promise<absl::Status>>();
    refused = outcome->get_future();
    CommitQueue::Job job;
    job.key = "b";
    job.batch.Put(Table::kObjects, "b-body", "body added before staging");
    job.stage = [](WriteBatch& batch) {
      batch.Put(Table::kObjects, "b", "half-staged");
      return absl::FailedPreconditionError("If-None-Match");
    };
    job.done = [outcome](const absl::Status& s) { outcome->set_value(s); };
    queue_->Submit(std::move(job));
    outcomes.push_back(Put("c", "3"));
  }
  for (auto& f : outcomes) EXPECT_TRUE(f.get().ok());
  absl::Status s = refused.get();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "If-None-Match");
  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("c"), "3");
  EXPECT_FALSE(Read("b").has_value());
  EXPECT_FALSE(Read("b-body").has_value());
}

TEST_F(CommitQueueTest, AFailedWriteFailsEveryJobOfItsGroup) {
  store_->fail_writes = true;
  std::vector<std::future<absl::Status>> outcomes;
  {
    std::unique_lock stall(group_lock_);
    for (int i = 0; i < 5; ++i) outcomes.push_back(Put("x" + std::to_string(i), "v"));
  }
  for (auto& f : outcomes) EXPECT_EQ(f.get().code(), absl::StatusCode::kResourceExhausted);
  store_->fail_writes = false;
  EXPECT_TRUE(Put("y", "2").get().ok());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Read("x" + std::to_string(i)).has_value());
  EXPECT_EQ(Read("y"), "2");
}

TEST_F(CommitQueueTest, TheJobsLockIsHeldUntilItsWriteIsDone) {
  std::mutex lock;
  CommitQueue::Job job;
  job.key = "locked";
  job.lock = &lock;
  std::promise<void> staged;
  job.stage = [&](WriteBatch& batch) {
    staged.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    batch.Put(Table::kObjects, "locked", "v");
    return absl::OkStatus();
  };
  job.done = [](const absl::Status&) {};
  queue_->Submit(std::move(job));
  staged.get_future().wait();
  std::lock_guard after(lock);  // blocks until the queue lets go, after the write
  EXPECT_EQ(Read("locked"), "v");
}

TEST_F(CommitQueueTest, DestroyingTheQueueFinishesWhatWasSubmitted) {
  std::vector<std::future<absl::Status>> outcomes;
  for (int i = 0; i < 20; ++i) outcomes.push_back(Put("d" + std::to_string(i), "v"));
  queue_.reset();
  for (auto& f : outcomes) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok());
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Read("d" + std::to_string(i)), "v");
}

}  // namespace
}  // namespace coffer::storage
