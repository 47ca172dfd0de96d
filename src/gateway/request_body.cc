#include "gateway/request_body.h"

namespace coffer::gateway {
namespace {
constexpr size_t kReadSize = 256 * 1024;
}

RequestBody::RequestBody(http::Exchange& exchange, const auth::SigningContext& ctx,
                         int64_t declared_length, std::vector<std::string> trailer_names)
    : exchange_(exchange),
      declared_length_(declared_length),
      decoder_(ctx, declared_length, std::move(trailer_names)) {}

http::Task<BodyRead> RequestBody::Next(std::string& out) {
  out.clear();
  while (!finished_) {
    if (!prefill_.empty()) {
      std::string raw = std::move(prefill_);
      prefill_.clear();
      if (auto err = decoder_.Feed(raw, out)) {
        finished_ = true;
        co_return BodyRead{BodyRead::Kind::kAuthError, std::move(err), {}};
      }
      if (!out.empty()) co_return BodyRead{BodyRead::Kind::kData, std::nullopt, {}};
      continue;
    }
    if (!raw_ && !exchange_.body_done()) raw_ = std::make_unique_for_overwrite<char[]>(kReadSize);
    absl::StatusOr<size_t> n = 0;
    if (raw_) n = co_await exchange_.ReadSome(raw_.get(), kReadSize);
    if (!n.ok()) {
      finished_ = true;
      co_return BodyRead{BodyRead::Kind::kTransportError, std::nullopt, n.status()};
    }
    if (*n == 0) {
      finished_ = true;
      if (auto err = decoder_.Finish()) {
        co_return BodyRead{BodyRead::Kind::kAuthError, std::move(err), {}};
      }
      break;
    }
    if (auto err = decoder_.Feed(std::string_view(raw_.get(), *n), out)) {
      finished_ = true;
      co_return BodyRead{BodyRead::Kind::kAuthError, std::move(err), {}};
    }
    if (!out.empty()) co_return BodyRead{BodyRead::Kind::kData, std::nullopt, {}};
  }
  co_return BodyRead{out.empty() ? BodyRead::Kind::kEnd : BodyRead::Kind::kData, std::nullopt, {}};
}

}  // namespace coffer::gateway
