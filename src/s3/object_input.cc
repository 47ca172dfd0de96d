#include "s3/object_input.h"

#include <array>
#include <future>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "base/xml.h"
#include "http/blocking.h"

namespace coffer::s3 {
namespace {

constexpr size_t kMaxUserMetadata = 2048;
// From this declared size on, a body is hashed on one thread and encrypted and stored
// on another while this one receives: MD5 alone (~700 MB/s a core) would halve a large
// PUT, and the three take about as long as each other.
constexpr int64_t kWorkAside = 1 << 20;
// Pieces (up to 256 KiB each) received ahead of that work: enough that its threads
// find the next piece waiting instead of a wake-up away.
constexpr size_t kAsideDepth = 4;

constexpr std::string_view kContentHeaders[] = {
    "cache-control", "content-disposition", "content-encoding", "content-language", "expires",
    "x-amz-website-redirect-location"};
constexpr std::string_view kStorageClasses[] = {
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE"};
constexpr crypto::ChecksumAlgorithm kAlgorithms[] = {
    crypto::ChecksumAlgorithm::kCrc32, crypto::ChecksumAlgorithm::kCrc32c,
    crypto::ChecksumAlgorithm::kCrc64Nvme, crypto::ChecksumAlgorithm::kSha1,
    crypto::ChecksumAlgorithm::kSha256};

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

// "aws-chunked" describes the transfer, not the object: S3 drops it from what it stores
// and keeps the rest of the header as sent.
std::string StoredContentEncoding(const std::string& value) {
  std::vector<std::string> kept;
  bool dropped = false;
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    std::string p(absl::StripAsciiWhitespace(part));
    if (Lower(p) == "aws-chunked") dropped = true;
    else if (!p.empty()) kept.push_back(p);
  }
  if (!dropped) return value;
  return absl::StrJoin(kept, ",");
}

S3Error InvalidTag(std::string message) {
  S3Error e = S3Error::Of(400, "InvalidTag",
                           std::move(message));
  return e;
}

S3Error ChecksumMismatch(crypto::ChecksumAlgorithm a) {
  S3Error e = S3Error::BadDigest();
  e.message = "The " + std::string(crypto::ChecksumName(a)) +
              " you specified did not match the calculated checksum.";
  return e;
}

}  // namespace

std::string Quoted(const std::string& etag) { return "\"" + etag + "\""; }

std::optional<S3Error> ValidateTags(const HeaderList& tags, size_t max) {
  if (tags.size() > max) {
    return InvalidTag(max == 10 ? "Object tags cannot be greater than 10"
                                : "Bucket tag count cannot be greater than " +
                                      std::to_string(max));
  }
  std::set<std::string> seen;
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) return InvalidTag("The TagKey you have provided is invalid");
    if (v.size() > 256) return InvalidTag("The TagValue you have provided is invalid");
    if (k.starts_with("aws:")) return InvalidTag("Your TagKey cannot be prefixed with aws:");
    if (!seen.insert(k).second)
      return InvalidTag("Cannot provide multiple Tags with the same key");
  }
  return std::nullopt;
}

std::variant<HeaderList, S3Error> ParseTagQuery(std::string_view query) {
  HeaderList tags;
  for (const auto& [raw_k, raw_v] : SplitQuery(query)) {
    auto k = UriDecode(raw_k, true);
    auto v = UriDecode(raw_v, true);
    if (!k || !v) return InvalidTag("The header 'x-amz-tagging' shall be encoded as UTF-8 then "
                                    "URLEncoded URL query parameters without tag name "
                                    "duplicates.");
    tags.emplace_back(*std::move(k), *std::move(v));
  }
  if (auto err = ValidateTags(tags)) return *err;
  return tags;
}

std::variant<HeaderList, S3Error> ParseTaggingXml(std::string_view xml) {
  auto doc = ParseXml(xml);
  if (!doc || doc->name != "Tagging") return S3Error::MalformedXML();
  const XmlNode* set = doc->Child("TagSet");
  if (!set) return S3Error::MalformedXML();
  HeaderList tags;
  for (const XmlNode* tag : set->Children("Tag")) {
    auto k = tag->ChildText("Key");
    auto v = tag->ChildText("Value");
    if (!k || !v) return S3Error::MalformedXML();
    tags.emplace_back(*k, *v);
  }
  return tags;
}

std::optional<S3Error> CollectMetadata(const auth::SignableRequest& ctx, ObjectInfo& o) {
  size_t meta_size = 0;
  for (const auto& [name, value] : ctx.headers) {
    std::string n = Lower(name);
    if (n.starts_with("x-amz-meta-")) {
      meta_size += n.size() - 11 + value.size();
      o.user_metadata.emplace_back(n, value);
    }
  }
  if (meta_size > kMaxUserMetadata) return S3Error::MetadataTooLarge(meta_size);
  for (std::string_view h : kContentHeaders) {
    if (!ctx.HasHeader(h)) continue;
    std::string v = ctx.Header(h);
    if (h == "content-encoding") v = StoredContentEncoding(v);
    if (!v.empty()) o.content_headers.emplace_back(std::string(h), v);
  }
  o.content_type = ctx.HasHeader("content-type") ? ctx.Header("content-type")
                                                 : "binary/octet-stream";
  if (ctx.HasHeader("x-amz-storage-class")) {
    std::string sc = ctx.Header("x-amz-storage-class");
    bool known = false;
    for (auto k : kStorageClasses) known |= (sc == k);
    if (!known) return S3Error::InvalidStorageClass();
    o.storage_class = sc;
  }
  if (ctx.HasHeader("x-amz-tagging")) {
    auto tags = ParseTagQuery(ctx.Header("x-amz-tagging"));
    if (auto* err = std::get_if<S3Error>(&tags)) return *err;
    o.tags = std::get<HeaderList>(tags);
  }
  return std::nullopt;
}

std::variant<std::optional<crypto::ChecksumAlgorithm>, S3Error> RequestChecksumAlgorithm(
    const S3Context& ctx) {
  std::optional<crypto::ChecksumAlgorithm> found;
  auto agree = [&found](crypto::ChecksumAlgorithm a) {
    if (found && *found != a) return false;
    found = a;
    return true;
  };
  const S3Error multiple = S3Error::InvalidRequest(
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  for (auto a : kAlgorithms) {
    if (ctx.HasHeader(crypto::ChecksumHeader(a)) && !agree(a)) return multiple;
  }
  for (absl::string_view t : absl::StrSplit(ctx.Header("x-amz-trailer"), ',')) {
    std::string name = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(t)));
    if (!name.starts_with("x-amz-checksum-")) continue;
    auto a = crypto::ParseChecksumAlgorithm(name.substr(15));
    if (!a) return S3Error::InvalidRequest("The value specified in the x-amz-trailer header is "
                                           "not supported");
    if (!agree(*a)) return multiple;
  }
  if (ctx.HasHeader("x-amz-sdk-checksum-algorithm")) {
    auto a = crypto::ParseChecksumAlgorithm(ctx.Header("x-amz-sdk-checksum-algorithm"));
    if (!a) return S3Error::InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is "
                                           "invalid.");
    if (!agree(*a)) {
      return S3Error::InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.");
    }
  }
  return found;
}

http::Task<std::variant<ReceivedBody, S3Error>> ReceiveBody(
    S3Context& ctx, std::optional<crypto::ChecksumAlgorithm> required, const sse::BodyKeys* keys,
    uint32_t part, bool md5_etag) {
  // The length comes from Content-Length or x-amz-decoded-content-length; a body sent
  // with Transfer-Encoding: chunked and neither is accepted and bounded as it streams.
  const int64_t declared = ctx.request.body.declared_length();
  const bool chunked = ctx.exchange().chunked();
  if (!chunked && (declared < 0 || !ctx.exchange().content_length()))
    co_return S3Error::MissingContentLength();
  if (declared > static_cast<int64_t>(kMaxPutSize))
    co_return S3Error::EntityTooLarge(static_cast<uint64_t>(declared), kMaxPutSize);
  const uint64_t limit = declared < 0 ? kMaxPutSize : static_cast<uint64_t>(declared);

  std::optional<std::string> content_md5;
  if (ctx.HasHeader("content-md5")) {
    auto md5 = Base64Decode(ctx.Header("content-md5"));
    if (!md5 || md5->size() != 16) co_return S3Error::InvalidDigest();
    content_md5 = *md5;
  }
  auto algorithm = RequestChecksumAlgorithm(ctx);
  if (auto* err = std::get_if<S3Error>(&algorithm)) co_return *err;

  ReceivedBody out;
  out.checksum_algorithm = std::get<std::optional<crypto::ChecksumAlgorithm>>(algorithm);
  if (required) {
    if (out.checksum_algorithm && *out.checksum_algorithm != *required) {
      co_return S3Error::InvalidRequest(
          "Checksum Type mismatch occurred, expected checksum Type: " +
          absl::AsciiStrToLower(std::string(crypto::ChecksumName(*required))) +
          ", actual checksum Type: " +
          absl::AsciiStrToLower(std::string(crypto::ChecksumName(*out.checksum_algorithm))));
    }
    out.checksum_algorithm = required;
  }
  std::optional<crypto::Digest> md5;
  if (md5_etag || content_md5) md5.emplace(crypto::Digest::Algorithm::kMd5);
  std::optional<crypto::Checksum> checksum;
  if (out.checksum_algorithm) checksum.emplace(*out.checksum_algorithm);

  // A ring of buffers: each piece in it is hashed on one strand of the blocking pool
  // and encrypted and stored on another (each strand takes pieces in order, one at a
  // time) while the next pieces arrive. Small bodies are done on this thread.
  struct Slot {
    std::string piece;
    std::future<void> hashed;
    std::future<absl::Status> stored;
  };
  std::array<Slot, kAsideDepth> ring;
  auto hashing = boost::asio::make_strand(http::BlockingPool());
  auto storing = boost::asio::make_strand(http::BlockingPool());
  absl::Cleanup wait_aside = [&ring] {
    for (Slot& slot : ring) {
      if (slot.hashed.valid()) slot.hashed.wait();
      if (slot.stored.valid()) slot.stored.wait();
    }
  };
  // Waits for the work on a slot's piece; the outcome of storing it.
  auto settle = [](Slot& slot) {
    if (slot.hashed.valid()) slot.hashed.get();
    return slot.stored.valid() ? slot.stored.get() : absl::OkStatus();
  };
  const bool aside = declared >= kWorkAside;
  size_t current = 0;
  while (true) {
    Slot& slot = ring[current];
    if (auto s = settle(slot); !s.ok()) co_return FromStatus(s);
    auto r = co_await ctx.request.body.Next(slot.piece);
    if (r.kind == gateway::BodyRead::Kind::kEnd) break;
    if (r.kind != gateway::BodyRead::Kind::kData)
      co_return FromBodyError(r, ctx.request.signing.access_key_id);
    out.size += slot.piece.size();
    if (out.size > limit) {
      if (declared < 0) co_return S3Error::EntityTooLarge(out.size, kMaxPutSize);
      co_return S3Error::IncompleteBody();
    }
    if (!out.blob) {
      auto w = ctx.catalog.NewBody(declared < 0 ? 0 : static_cast<uint64_t>(declared));
      if (!w.ok()) co_return FromStatus(w.status());
      out.blob = *std::move(w);
      if (keys) out.blob = std::make_unique<sse::SegmentWriter>(*keys, part, std::move(out.blob));
    }
    auto hash = [&md5, &checksum, &piece = slot.piece] {
      if (md5) md5->Update(piece);
      if (checksum) checksum->Update(piece);
    };
    auto store = [blob = out.blob.get(), &piece = slot.piece] { return blob->Append(piece); };
    if (aside) {
      if (md5 || checksum) {
        std::packaged_task<void()> hash_task(hash);
        slot.hashed = hash_task.get_future();
        boost::asio::post(hashing, std::move(hash_task));
      }
      std::packaged_task<absl::Status()> store_task(store);
      slot.stored = store_task.get_future();
      boost::asio::post(storing, std::move(store_task));
    } else {
      hash();
      if (auto s = store(); !s.ok()) co_return FromStatus(s);
    }
    current = (current + 1) % kAsideDepth;
  }
  for (Slot& slot : ring) {
    if (auto s = settle(slot); !s.ok()) co_return FromStatus(s);
  }
  if (declared >= 0 && out.size != static_cast<uint64_t>(declared))
    co_return S3Error::IncompleteBody();

  if (md5) {
    std::string digest = md5->Final();
    if (content_md5 && *content_md5 != digest) co_return S3Error::BadDigest();
    out.md5_hex = HexLower(digest);
  }
  if (checksum) {
    out.checksum = Base64(checksum->Final());
    // The value to match: a header, or a trailer the payload decoder has already
    // verified (it is still compared here, so both paths are checked alike).
    std::string expected = ctx.Header(crypto::ChecksumHeader(*out.checksum_algorithm));
    for (const auto& [name, value] : ctx.request.body.decoder().trailers()) {
      if (name == crypto::ChecksumHeader(*out.checksum_algorithm)) expected = value;
    }
    if (!expected.empty() && expected != out.checksum)
      co_return ChecksumMismatch(*out.checksum_algorithm);
  }
  co_return out;
}

}  // namespace coffer::s3
