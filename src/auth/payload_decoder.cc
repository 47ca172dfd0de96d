// PayloadDecoder: turns a request body into its payload while checking it.
//
//   kSigned / kUnsigned       pass-through; kSigned hashes and compares at Finish().
//   kStreaming*               aws-chunked framing:
//                               <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... final
//                               0[;chunk-signature=<sig>]\r\n, then for the trailer modes
//                               "name:value\r\n" lines and an empty line.
// A signed chunk is held until all of it arrived and its signature verified; only then is
// it emitted. Unsigned chunks are emitted as they arrive. Input may be split anywhere.
#include <algorithm>

#include "auth/internal.h"
#include "auth/sigv4.h"
#include "base/encoding.h"
#include "crypto/hash.h"

namespace coffer::auth {
namespace {

using K = Error::Kind;

constexpr uint64_t kMaxChunkSize = 16 << 20;  // larger chunks are refused (kInvalidChunk)
constexpr size_t kMaxLine = 4096;             // a chunk header or trailer line
constexpr size_t kMaxTrailerBytes = 16 << 10;
constexpr std::string_view kSignatureExtension = "chunk-signature=";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";
constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";

const char kShortBody[] =
    "You did not provide the number of bytes specified by the Content-Length HTTP header.";
const char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check "
    "your key and signing method.";

using internal::Fail;

bool Streaming(PayloadMode m) {
  return m == PayloadMode::kStreamingSigned || m == PayloadMode::kStreamingSignedTrailer ||
         m == PayloadMode::kStreamingUnsignedTrailer;
}

}  // namespace

struct PayloadDecoder::State {
  enum class Phase { kChunkHeader, kChunkData, kChunkEnd, kFinalEnd, kTrailers, kDone, kFailed };

  SigningContext ctx;  // a copy (the signing key included) for chunk signatures
  int64_t declared = -1;
  bool chunk_signed = false;  // chunks carry chunk-signature=
  bool has_trailers = false;  // a trailer section follows the final chunk
  std::vector<std::string> trailer_names;
  std::vector<std::pair<std::string, crypto::Checksum>> checksums;  // declared x-amz-checksum-*
  std::optional<crypto::Digest> sha256;                             // kSigned
  std::optional<Error> setup_error;

  Phase phase = Phase::kChunkHeader;
  bool finished = false;
  int64_t decoded = 0;
  std::string line;                // a header/trailer line being assembled
  uint64_t chunk_left = 0;         // bytes of the current chunk still to come
  std::string chunk;               // a signed chunk's data, until its signature is checked
  std::string chunk_signature;     // as sent for the current chunk
  std::string previous_signature;  // chains chunk signatures
  size_t crlf_seen = 0;            // of the "\r\n" that ends a chunk's data
  bool blank_before_trailers = false;
  size_t trailer_bytes = 0;
  std::vector<std::pair<std::string, std::string>> trailers;

  std::optional<Error> Feed(std::string_view raw, std::string& out);
  std::optional<Error> Finish();

 private:
  void Emit(std::string_view data, std::string& out);
  std::optional<Error> PassThrough(std::string_view raw, std::string& out);
  bool TakeLine(std::string_view& raw, size_t limit, bool& too_long);
  std::optional<Error> OnChunkHeader();
  std::optional<Error> OnChunkComplete(std::string& out);
  std::optional<Error> ExpectCrlf(std::string_view& raw, Phase next);
  std::optional<Error> OnTrailerLine();
  std::optional<Error> CheckTrailers();
};

void PayloadDecoder::State::Emit(std::string_view data, std::string& out) {
  decoded += static_cast<int64_t>(data.size());
  if (sha256) sha256->Update(data);
  for (auto& [name, checksum] : checksums) checksum.Update(data);
  out.append(data);
}

std::optional<Error> PayloadDecoder::State::PassThrough(std::string_view raw, std::string& out) {
  if (declared >= 0 && decoded + static_cast<int64_t>(raw.size()) > declared) {
    return Fail(K::kIncompleteBody, "The body is longer than its declared length.");
  }
  Emit(raw, out);
  return std::nullopt;
}

// Appends raw bytes to `line` up to and including '\n' (at most `limit` bytes in all). True
// when a whole line is in `line`, its "\r\n" or "\n" removed.
bool PayloadDecoder::State::TakeLine(std::string_view& raw, size_t limit, bool& too_long) {
  size_t nl = raw.find('\n');
  size_t take = nl == std::string_view::npos ? raw.size() : nl + 1;
  if (line.size() + take > limit) {
    too_long = true;
    return false;
  }
  line.append(raw.substr(0, take));
  raw.remove_prefix(take);
  if (nl == std::string_view::npos) return false;
  line.pop_back();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::optional<Error> PayloadDecoder::State::OnChunkHeader() {
  std::string_view header = line;
  size_t semi = header.find(';');
  std::string_view size_hex = header.substr(0, semi);
  uint64_t size = 0;
  bool ok = !size_hex.empty() && size_hex.size() <= 8;
  for (char c : size_hex) {
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    ok &= v >= 0;
    size = size * 16 + static_cast<uint64_t>(v < 0 ? 0 : v);
  }
  if (!ok || size > kMaxChunkSize) return Fail(K::kInvalidChunk, "Invalid chunk size.");
  if (chunk_signed) {
    std::string_view ext = semi == std::string_view::npos ? "" : header.substr(semi + 1);
    if (ext.substr(0, kSignatureExtension.size()) != kSignatureExtension) {
      return Fail(K::kInvalidChunk, "The chunk has no chunk-signature.");
    }
    chunk_signature = std::string(ext.substr(kSignatureExtension.size()));
  }
  if (declared >= 0 && decoded + static_cast<int64_t>(size) > declared) {
    return Fail(K::kIncompleteBody, "The chunks hold more than x-amz-decoded-content-length.");
  }
  line.clear();
  chunk_left = size;
  chunk.clear();
  phase = Phase::kChunkData;
  return std::nullopt;
}

// The current chunk's data is complete: a signed chunk is verified, then emitted.
std::optional<Error> PayloadDecoder::State::OnChunkComplete(std::string& out) {
  if (chunk_signed) {
    std::string expected = ChunkSignature(ctx, previous_signature, chunk);
    if (!crypto::ConstantTimeEquals(expected, chunk_signature)) {
      return Fail(K::kChunkSignatureMismatch, kSignatureMismatch);
    }
    previous_signature = std::move(expected);
    Emit(chunk, out);
    chunk.clear();
  }
  return std::nullopt;
}

std::optional<Error> PayloadDecoder::State::ExpectCrlf(std::string_view& raw, Phase next) {
  static constexpr char kCrlf[] = "\r\n";
  while (!raw.empty() && crlf_seen < 2) {
    if (raw.front() != kCrlf[crlf_seen]) {
      return Fail(K::kInvalidChunk, "A chunk's data is not followed by CRLF.");
    }
    raw.remove_prefix(1);
    ++crlf_seen;
  }
  if (crlf_seen == 2) {
    crlf_seen = 0;
    phase = next;
  }
  return std::nullopt;
}

std::optional<Error> PayloadDecoder::State::OnTrailerLine() {
  std::string current = std::move(line);
  line.clear();
  if (current.empty()) {
    // Tolerated: one empty line between the final chunk and the trailers (as in AWS's
    // documented example). Otherwise the empty line ends the trailer section.
    if (trailers.empty() && !blank_before_trailers) {
      blank_before_trailers = true;
      return std::nullopt;
    }
    phase = Phase::kDone;
    return CheckTrailers();
  }
  size_t colon = current.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Fail(K::kInvalidTrailer, "The trailing header is malformed.");
  }
  std::string name = internal::Lower(internal::Trim(std::string_view(current).substr(0, colon)));
  std::string value(internal::Trim(std::string_view(current).substr(colon + 1)));
  for (const auto& [n, v] : trailers) {
    if (n == name) return Fail(K::kInvalidTrailer, "The trailer " + name + " is repeated.");
  }
  trailers.emplace_back(std::move(name), std::move(value));
  return std::nullopt;
}

// After the trailer section: its signature, the declared names, then the checksums.
std::optional<Error> PayloadDecoder::State::CheckTrailers() {
  auto sig = std::find_if(trailers.begin(), trailers.end(),
                          [](const auto& t) { return t.first == kTrailerSignature; });
  if (ctx.payload == PayloadMode::kStreamingSignedTrailer) {
    if (sig == trailers.end()) {
      return Fail(K::kInvalidTrailer, "The trailers lack x-amz-trailer-signature.");
    }
    std::string given = std::move(sig->second);
    trailers.erase(sig);
    if (!crypto::ConstantTimeEquals(TrailerSignature(ctx, previous_signature, trailers), given)) {
      return Fail(K::kChunkSignatureMismatch, kSignatureMismatch);
    }
  } else if (sig != trailers.end()) {
    return Fail(K::kInvalidTrailer, "An unsigned payload cannot carry x-amz-trailer-signature.");
  }
  for (const auto& [name, value] : trailers) {
    if (std::find(trailer_names.begin(), trailer_names.end(), name) == trailer_names.end()) {
      return Fail(K::kInvalidTrailer,
                  "The trailer " + name + " was not declared in x-amz-trailer.");
    }
  }
  for (auto& entry : checksums) {
    const std::string& name = entry.first;
    crypto::Checksum& checksum = entry.second;
    auto it = std::find_if(trailers.begin(), trailers.end(),
                           [&name](const auto& t) { return t.first == name; });
    if (it == trailers.end()) {
      return Fail(K::kInvalidTrailer,
                  "The trailer " + name + " declared in x-amz-trailer is missing.");
    }
    if (Base64(checksum.Final()) != it->second) {
      return Fail(K::kChecksumMismatch,
                  "The " + std::string(crypto::ChecksumName(checksum.algorithm())) +
                      " you specified did not match the calculated checksum.");
    }
  }
  return std::nullopt;
}

std::optional<Error> PayloadDecoder::State::Feed(std::string_view raw, std::string& out) {
  if (!Streaming(ctx.payload)) return PassThrough(raw, out);
  bool too_long = false;
  while (!raw.empty()) {
    switch (phase) {
      case Phase::kChunkHeader:
        if (TakeLine(raw, kMaxLine, too_long)) {
          if (auto err = OnChunkHeader()) return err;
          if (chunk_left == 0) {  // the final chunk
            if (auto err = OnChunkComplete(out)) return err;
            if (declared >= 0 && decoded != declared) return Fail(K::kIncompleteBody, kShortBody);
            phase = has_trailers ? Phase::kTrailers : Phase::kFinalEnd;
          }
        } else if (too_long) {
          return Fail(K::kInvalidChunk, "The chunk header is too long.");
        }
        break;
      case Phase::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_left, raw.size()));
        if (chunk_signed) {
          chunk.append(raw.substr(0, n));
        } else {
          Emit(raw.substr(0, n), out);
        }
        raw.remove_prefix(n);
        chunk_left -= n;
        if (chunk_left == 0) {
          if (auto err = OnChunkComplete(out)) return err;
          phase = Phase::kChunkEnd;
        }
        break;
      }
      case Phase::kChunkEnd:
        if (auto err = ExpectCrlf(raw, Phase::kChunkHeader)) return err;
        break;
      case Phase::kFinalEnd:
        if (auto err = ExpectCrlf(raw, Phase::kDone)) return err;
        break;
      case Phase::kTrailers:
        if (TakeLine(raw, kMaxLine, too_long)) {
          trailer_bytes += line.size();
          if (trailer_bytes > kMaxTrailerBytes)
            return Fail(K::kInvalidTrailer, "Trailers too long.");
          if (auto err = OnTrailerLine()) return err;
        } else if (too_long) {
          return Fail(K::kInvalidTrailer, "A trailer line is too long.");
        }
        break;
      case Phase::kDone:
        return Fail(K::kInvalidChunk, "Data follows the final chunk.");
      case Phase::kFailed:
        return Fail(K::kIncompleteBody, kShortBody);
    }
  }
  return std::nullopt;
}

std::optional<Error> PayloadDecoder::State::Finish() {
  if (!Streaming(ctx.payload)) {
    if (declared >= 0 && decoded != declared) return Fail(K::kIncompleteBody, kShortBody);
    if (sha256 && !crypto::ConstantTimeEquals(HexLower(sha256->Final()), ctx.payload_hash)) {
      return Fail(K::kContentHashMismatch,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    return std::nullopt;
  }
  switch (phase) {
    case Phase::kDone:
      return std::nullopt;
    case Phase::kFinalEnd:  // lenient: the last CRLF may be missing
      return std::nullopt;
    case Phase::kTrailers:  // lenient: the closing empty line (or CRLF) may be missing
      if (!line.empty()) {
        if (line.back() == '\r') line.pop_back();
        if (auto err = OnTrailerLine()) return err;
      }
      if (phase == Phase::kDone) return std::nullopt;
      phase = Phase::kDone;
      return CheckTrailers();
    default:
      return Fail(K::kIncompleteBody, kShortBody);
  }
}

PayloadDecoder::PayloadDecoder(const SigningContext& ctx, int64_t declared_length,
                               std::vector<std::string> trailer_names)
    : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.ctx.access_key_id = ctx.access_key_id;
  s.ctx.scope = ctx.scope;
  s.ctx.method = ctx.method;
  s.ctx.payload = ctx.payload;
  s.ctx.payload_hash = ctx.payload_hash;
  s.ctx.amz_date = ctx.amz_date;
  s.ctx.seed_signature = ctx.seed_signature;
  s.ctx.signing_key = ctx.signing_key.Copy();
  s.declared = declared_length;
  s.previous_signature = ctx.seed_signature;
  s.chunk_signed = ctx.payload == PayloadMode::kStreamingSigned ||
                   ctx.payload == PayloadMode::kStreamingSignedTrailer;
  s.has_trailers = ctx.payload == PayloadMode::kStreamingSignedTrailer ||
                   ctx.payload == PayloadMode::kStreamingUnsignedTrailer;
  if (ctx.payload == PayloadMode::kSigned) s.sha256.emplace(crypto::Digest::Algorithm::kSha256);
  if (s.chunk_signed && ctx.signing_key.empty()) {
    s.setup_error = Fail(K::kUnsupported, "Chunk signatures need a signed request.");
  }
  if (!s.has_trailers) return;
  for (auto& name : trailer_names) {
    name = internal::Lower(name);
    if (std::find(s.trailer_names.begin(), s.trailer_names.end(), name) != s.trailer_names.end()) {
      continue;
    }
    std::optional<crypto::ChecksumAlgorithm> algorithm;
    if (name.starts_with(kChecksumPrefix)) {
      algorithm =
          crypto::ParseChecksumAlgorithm(std::string_view(name).substr(kChecksumPrefix.size()));
    }
    if (!algorithm) {
      if (!s.setup_error)
        s.setup_error = Fail(K::kInvalidTrailer, "Unsupported trailer " + name + ".");
      continue;
    }
    s.checksums.emplace_back(name, crypto::Checksum(*algorithm));
    s.trailer_names.push_back(std::move(name));
  }
}

PayloadDecoder::~PayloadDecoder() = default;
PayloadDecoder::PayloadDecoder(PayloadDecoder&&) noexcept = default;

std::optional<Error> PayloadDecoder::Feed(std::string_view raw, std::string& out) {
  if (!s_ || s_->finished || s_->phase == State::Phase::kFailed) {
    return Fail(K::kIncompleteBody, kShortBody);
  }
  std::optional<Error> err = s_->setup_error ? s_->setup_error : s_->Feed(raw, out);
  if (err) s_->phase = State::Phase::kFailed;
  return err;
}

std::optional<Error> PayloadDecoder::Finish() {
  if (!s_ || s_->finished || s_->phase == State::Phase::kFailed) {
    return Fail(K::kIncompleteBody, kShortBody);
  }
  s_->finished = true;
  std::optional<Error> err = s_->setup_error ? s_->setup_error : s_->Finish();
  if (err) s_->phase = State::Phase::kFailed;
  return err;
}

const std::vector<std::pair<std::string, std::string>>& PayloadDecoder::trailers() const {
  static const std::vector<std::pair<std::string, std::string>> kNone;
  return s_ ? s_->trailers : kNone;
}

int64_t PayloadDecoder::payload_bytes() const { return s_ ? s_->decoded : 0; }

}  // namespace coffer::auth
