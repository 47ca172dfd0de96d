#include "audit/trail.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "audit/layout.h"
#include "audit/lookup.h"
#include "audit/validate.h"
#include "base/files.h"
#include "base/ids.h"
#include "crypto/signing.h"
#include "metrics/registry.h"

namespace coffer::audit {
namespace {

using json = nlohmann::json;

class TrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() / ("coffer-audit-" + NewUniqueId())).string();
    dir_ = root_ + "/audit";
    std::filesystem::create_directories(root_ + "/meta");
    meta_ = *storage::OpenRocksMetaStore(root_ + "/meta");
    auto pair = crypto::GenerateRsaKey(2048);
    key_ = std::move(pair->private_pem);
    public_ = pair->public_pem;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Opens a trail, records `n` events, stops it (one log file and one digest).
  void Session(int n) {
    TrailOptions o;
    o.dir = dir_;
    auto trail = Trail::Open(o, meta_.get(), key_.Copy());
    ASSERT_TRUE(trail.ok()) << trail.status();
    // One microsecond apart, the index's resolution: two events in the same microsecond
    // would be ordered by their random ids, not by when they were recorded.
    const absl::Time start = absl::Now();
    for (int i = 0; i < n; ++i) {
      Event e;
      e.time = start + absl::Microseconds(i);
      e.source = "kms.amazonaws.com";
      e.name = "Decrypt";
      e.region = "us-east-1";
      e.recipient_account = "111122223333";
      e.request_parameters = {{"keyId", "k" + std::to_string(i)}};
      ASSERT_TRUE((*trail)->Record(std::move(e)));
    }
    (*trail)->Stop();
  }

  std::vector<std::string> Problems() { return ValidateTrail(dir_, public_).problems; }
  // Validates the trail, expecting no problem; the report, for its counts.
  ValidationReport ExpectValid() {
    ValidationReport report = ValidateTrail(dir_, public_);
    EXPECT_TRUE(report.ok()) << report.problems[0];
    return report;
  }
  // Records in all log files.
  size_t RecordCount() {
    size_t records = 0;
    for (const auto& f : ListLogs(dir_)) records += json::parse(*ReadFile(Path(f)))["Records"].size();
    return records;
  }
  std::string Path(const std::string& rel) { return dir_ + "/" + rel; }
  void Overwrite(const std::string& rel, const std::string& content) {
    std::ofstream(Path(rel), std::ios::binary | std::ios::trunc) << content;
  }

  std::string root_, dir_, public_;
  SecretBytes key_;
  std::unique_ptr<storage::MetaStore> meta_;
};

TEST_F(TrailTest, WritesCloudTrailFilesAndSignedChainedDigests) {
  Session(5);
  Session(3);
  Session(1);
  auto logs = ListLogs(dir_), digests = ListDigests(dir_);
  ASSERT_EQ(logs.size(), 3u);
  ASSERT_EQ(digests.size(), 3u);
  json first = json::parse(*ReadFile(Path(logs[0])));
  ASSERT_EQ(first["Records"].size(), 5u);
  EXPECT_EQ(first["Records"][0]["eventName"], "Decrypt");
  EXPECT_EQ(first["Records"][0]["eventVersion"], "1.09");
  EXPECT_EQ(first["Records"][4]["requestParameters"]["keyId"], "k4");
  json d = json::parse(*ReadFile(Path(digests[2])));
  EXPECT_EQ(d["previousDigestFile"], digests[1]);
  EXPECT_EQ(d["logFiles"][0]["file"], logs[2]);
  auto report = ExpectValid();
  EXPECT_EQ(report.digests, 3);
  EXPECT_EQ(report.log_files, 3);
  // Another key does not validate them.
  EXPECT_EQ(ValidateTrail(dir_, crypto::GenerateRsaKey(2048)->public_pem).problems.size(), 3u);
}

TEST_F(TrailTest, EachKindOfTamperingIsFound) {
  Session(2);
  Session(2);
  Session(2);
  auto logs = ListLogs(dir_), digests = ListDigests(dir_);
  auto expect_problem = [&](const std::string& fragment) {
    auto problems = Problems();
    bool found = false;
    for (const auto& p : problems) found = found || p.find(fragment) != std::string::npos;
    EXPECT_TRUE(found) << "no problem mentions '" << fragment << "'";
  };
  // A modified log file.
  std::string log = *ReadFile(Path(logs[1]));
  Overwrite(logs[1], std::string(log).replace(log.find("k1"), 2, "k9"));
  expect_problem(logs[1] + ": modified");
  Overwrite(logs[1], log);
  EXPECT_TRUE(Problems().empty());
  // A deleted log file.
  std::filesystem::rename(Path(logs[1]), Path(logs[1]) + ".away");
  expect_problem(logs[1] + ": deleted");
  std::filesystem::rename(Path(logs[1]) + ".away", Path(logs[1]));
  // Two log files swapped.
  std::string log0 = *ReadFile(Path(logs[0]));
  Overwrite(logs[0], log);
  Overwrite(logs[1], log0);
  expect_problem(logs[0] + ": modified");
  Overwrite(logs[0], log0);
  Overwrite(logs[1], log);
  // A log file no digest names.
  Overwrite("logs/extra.json", log);
  expect_problem("logs/extra.json: not named by any digest");
  std::filesystem::remove(Path("logs/extra.json"));
  // A deleted digest in the middle of the chain.
  std::string d1 = *ReadFile(Path(digests[1]));
  std::filesystem::remove(Path(digests[1]));
  expect_problem(digests[2] + ": does not follow");
  Overwrite(digests[1], d1);
  // A modified digest (its signature no longer verifies, and the next one sees it).
  Overwrite(digests[1], d1 + " ");
  expect_problem(digests[1] + ": signature");
  expect_problem(digests[2] + ": the previous digest");
  Overwrite(digests[1], d1);
  EXPECT_TRUE(Problems().empty());
}

TEST_F(TrailTest, FilesLeftOpenByACrashAreRepairedAndDigested) {
  Session(1);
  // A log file as a killed process leaves it: no footer, the last record cut short.
  std::string rel = LogFileName("us-east-1", absl::Now());
  ASSERT_TRUE(MakeDirs(ParentDir(Path(rel))).ok());
  Overwrite(rel, std::string(kLogHeader) +
                     "\n{\"eventTime\":\"2026-11-24T10:00:00Z\",\"eventName\":\"A\"}" +
                     ",\n{\"eventTime\":\"2026-11-24T10:00:01Z\",\"eventNa");
  Session(0);
  json repaired = json::parse(*ReadFile(Path(rel)));
  ASSERT_EQ(repaired["Records"].size(), 1u);
  EXPECT_EQ(repaired["Records"][0]["eventName"], "A");
  ExpectValid();
}

TEST_F(TrailTest, RotatesBySizeAndDigestsEveryFile) {
  TrailOptions o;
  o.dir = dir_;
  o.max_file_bytes = 2000;
  auto trail = Trail::Open(o, meta_.get(), key_.Copy());
  for (int i = 0; i < 40; ++i) {
    Event e;
    e.time = absl::Now();
    e.name = "Encrypt";
    e.request_parameters = {{"n", i}};
    ASSERT_TRUE((*trail)->Record(std::move(e)));
    if (i % 10 == 9) absl::SleepFor(absl::Milliseconds(1100));  // let the writer rotate
  }
  (*trail)->Stop();
  EXPECT_GE(ListLogs(dir_).size(), 3u);
  EXPECT_EQ(RecordCount(), 40u);
  EXPECT_EQ(ExpectValid().log_files, static_cast<int>(ListLogs(dir_).size()));
}

TEST_F(TrailTest, AFullDiskIsReportedAndRetriedNotDropped) {
  // A file-size limit makes writes fail as a full disk does (EFBIG instead of ENOSPC).
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit old_limit;
  getrlimit(RLIMIT_FSIZE, &old_limit);
  TrailOptions o;
  o.dir = dir_;
  auto trail = Trail::Open(o, meta_.get(), key_.Copy());
  ASSERT_TRUE(trail.ok());
  auto errors = [] { return metrics::Global().Value("coffer_audit_write_errors_total", {}); };
  const double errors_before = errors();
  struct rlimit tiny = {1024, old_limit.rlim_max};
  setrlimit(RLIMIT_FSIZE, &tiny);
  for (int i = 0; i < 20; ++i) {
    Event e;
    e.time = absl::Now();
    e.name = "Decrypt";
    e.request_parameters = {{"padding", std::string(200, 'x')}, {"n", i}};
    ASSERT_TRUE((*trail)->Record(std::move(e)));
  }
  for (int i = 0; i < 50 && errors() == errors_before; ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_GT(errors(), errors_before);  // reported
  setrlimit(RLIMIT_FSIZE, &old_limit);  // space again: the kept batch is written
  (*trail)->Stop();
  EXPECT_EQ(RecordCount(), 20u);
  ExpectValid();
}

TEST_F(TrailTest, RetentionPrunesOnlyOldIndexEntriesOfEveryAccount) {
  TrailOptions o;
  o.dir = dir_;
  o.retention = absl::Hours(1);
  auto record = [&](Trail& t, const std::string& account, absl::Duration age) {
    Event e;
    e.time = absl::Now() - age;
    e.name = "Decrypt";
    e.recipient_account = account;
    ASSERT_TRUE(t.Record(std::move(e)));
  };
  {
    auto trail = Trail::Open(o, meta_.get(), key_.Copy());
    for (const char* account : {"111111111111", "222222222222", "333333333333"}) {
      record(**trail, account, absl::Hours(3));
      record(**trail, account, absl::Minutes(59));
      record(**trail, account, absl::Hours(2));
    }
    (*trail)->Stop();
  }
  Trail::Open(o, meta_.get(), key_.Copy())->get()->Stop();  // a new writer prunes at once
  std::map<std::string, int> left;
  for (auto it = meta_->Scan(storage::Table::kAudit, ""); it->Valid(); it->Next()) {
    ++left[std::string(it->key().substr(0, 12))];
    EXPECT_GT(*IndexKeyTime(it->key()), absl::Now() - absl::Hours(1));
  }
  EXPECT_EQ(left, (std::map<std::string, int>{
                      {"111111111111", 1}, {"222222222222", 1}, {"333333333333", 1}}));
}

TEST_F(TrailTest, AFullQueueDropsInsteadOfBlocking) {
  TrailOptions o;
  o.dir = dir_;
  o.queue_limit = 0;
  auto trail = Trail::Open(o, meta_.get(), key_.Copy());
  Event e;
  e.time = absl::Now();
  EXPECT_FALSE((*trail)->Record(std::move(e)));
}

TEST(EventTest, RecordsAreJsonWhateverTheClientSent) {
  Event e;
  e.time = absl::FromUnixSeconds(1764806400);
  e.source = "s3.amazonaws.com";
  e.name = "CreateBucket";
  e.region = "us-east-1";
  e.user_agent = std::string("bad\xff\xfe \"quoted\" \\ tab\t nul") + std::string(1, '\0');
  iam::Principal p;
  p.account_id = "111122223333";
  p.role_name = "reader";
  p.role_id = "AROAEXAMPLE";
  p.session_name = "s1";
  p.access_key_id = "ASIAEXAMPLE";
  e.principal = p;
  e.request_parameters = {{"bucketName", std::string("b\xc3", 2)}};
  e.resources = {{"arn:aws:s3:::b", "111122223333", "AWS::S3::Bucket"}};
  e.tls_version = "TLSv1.3";
  json r = json::parse(e.ToRecord());
  EXPECT_EQ(r["userAgent"], "bad\xef\xbf\xbd\xef\xbf\xbd \"quoted\" \\ tab\t nul" + std::string(1, '\0'));
  EXPECT_EQ(r["requestParameters"]["bucketName"], "b\xef\xbf\xbd");
  EXPECT_EQ(r["eventTime"], "2025-12-04T00:00:00Z");
  EXPECT_EQ(r["userIdentity"]["type"], "AssumedRole");
  EXPECT_EQ(r["userIdentity"]["principalId"], "AROAEXAMPLE:s1");
  EXPECT_EQ(r["userIdentity"]["accessKeyId"], "ASIAEXAMPLE");
  EXPECT_EQ(r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"], "reader");
  EXPECT_EQ(r["resources"][0]["ARN"], "arn:aws:s3:::b");
  EXPECT_EQ(r["tlsDetails"]["tlsVersion"], "TLSv1.3");
  EXPECT_EQ(r["readOnly"], false);
  EXPECT_EQ(r["managementEvent"], true);
  EXPECT_TRUE(r["responseElements"].is_null());
  EXPECT_FALSE(r.contains("errorCode"));
  EXPECT_EQ(json::parse(Event{}.ToRecord())["userIdentity"]["accountId"], "anonymous");

  // UTF-8 is kept as it is; control characters are escaped.
  Event utf8;
  utf8.user_agent = "caf\xc3\xa9 \xf0\x9f\x94\x91 \x01\x1f end";
  const std::string record = utf8.ToRecord();
  EXPECT_NE(record.find("caf\xc3\xa9 \xf0\x9f\x94\x91 \\u0001\\u001f end"), std::string::npos);
  EXPECT_EQ(json::parse(record)["userAgent"], utf8.user_agent);

  // Parameters are written member by member: nested objects, arrays, numbers, literals
  // and names that need escaping come back as they were.
  Event tree;
  tree.request_parameters = json::parse(
      R"({"encryptionContext":{"a\"b":"c\\d","\u0001":"x"},"n":[1,-2,3.5,true,null,[]],"o":{}})");
  tree.additional_event_data = {{"list", json::array({"x", {{"y", false}}})}};
  json back = json::parse(tree.ToRecord());
  EXPECT_EQ(back["requestParameters"], tree.request_parameters);
  EXPECT_EQ(back["additionalEventData"], tree.additional_event_data);
}

TEST(LayoutTest, IndexValuesSayWhereARecordIs) {
  RecordLocation where{"logs/2026/12/04/us-east-1_CloudTrail_x y.json", 12, 345};
  auto back = ParseIndexValue(IndexValue(where));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->file, where.file);
  EXPECT_EQ(back->offset, 12u);
  EXPECT_EQ(back->length, 345u);
  for (const char* bad : {"", "@", "@1 2", "@1 2 ", "@x 2 f", "{\"a\":1}", "@-1 2 f"})
    EXPECT_FALSE(ParseIndexValue(bad).has_value()) << bad;
}

TEST_F(TrailTest, LookupReadsRecordsFromTheLogFilesAndOlderIndexEntries) {
  Session(3);  // management events, account 111122223333
  {
    TrailOptions o;
    o.dir = dir_;
    auto trail = Trail::Open(o, meta_.get(), key_.Copy());
    Event data;  // a data event: in the file, not in the index
    data.time = absl::Now();
    data.name = "GetObject";
    data.management = false;
    data.recipient_account = "111122223333";
    ASSERT_TRUE((*trail)->Record(std::move(data)));
    (*trail)->Stop();
  }
  // An entry as servers before December 2026 wrote them: the record itself.
  storage::WriteBatch old;
  old.Put(storage::Table::kAudit, IndexKey("111122223333", absl::Now() - absl::Hours(1), "old"),
          R"({"eventName":"Encrypt","eventID":"old","managementEvent":true})");
  ASSERT_TRUE(meta_->Write(old, true).ok());
  size_t indexed = 0;
  for (auto it = meta_->Scan(storage::Table::kAudit, ""); it->Valid(); it->Next()) ++indexed;
  EXPECT_EQ(indexed, 4u);

  LookupQuery q;
  q.account = "111122223333";
  auto page = Lookup(meta_.get(), dir_, q);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->events[0]["requestParameters"]["keyId"], "k2");  // newest first
  EXPECT_EQ(page->events[2]["requestParameters"]["keyId"], "k0");
  EXPECT_EQ(page->events[3]["eventName"], "Encrypt");
  q.attribute_key = "EventName";
  q.attribute_value = "Decrypt";
  q.max_results = 2;
  page = Lookup(meta_.get(), dir_, q);
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_FALSE(page->next_token.empty());

  // A log file removed by hand: its entries are skipped, the others still answer.
  for (const auto& f : ListLogs(dir_)) std::filesystem::remove(Path(f));
  q.attribute_key.clear();
  q.max_results = 50;
  q.next_token.clear();
  page = Lookup(meta_.get(), dir_, q);
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0]["eventID"], "old");
}

TEST(KmsKeyResource, TakesTheAccountFromTheArn) {
  const Resource r = KmsKeyResource("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab");
  EXPECT_EQ(r.arn, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab");
  EXPECT_EQ(r.account_id, "111122223333");
  EXPECT_EQ(r.type, "AWS::KMS::Key");
  EXPECT_EQ(KmsKeyResource("arn:aws:kms:r:444455556666").account_id, "444455556666");
  EXPECT_EQ(KmsKeyResource("arn:aws:kms:r").account_id, "");
  EXPECT_EQ(KmsKeyResource("arn:aws:kms:r:").account_id, "");
  EXPECT_EQ(KmsKeyResource("").account_id, "");
}

}  // namespace
}  // namespace coffer::audit
