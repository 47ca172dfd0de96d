// A streaming multipart/form-data parser (RFC 7578) for S3 POST uploads.
//
// Feed() takes the body in pieces of any size. Ordinary fields are delivered whole
// (each at most `field_limit` bytes); the part named "file" is streamed to
// OnFileData() in pieces, never held whole. Parsing stops after the file: S3 ignores
// fields that follow it. Errors are absl::InvalidArgumentError (malformed body) or
// whatever a handler returns. Not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace coffer::s3 {

class FormParser {
 public:
  struct Handler {
    std::function<absl::Status(const std::string& name, std::string value)> on_field;
    std::function<absl::Status(const std::string& name, const std::string& filename,
                               const std::string& content_type)>
        on_file_start;
    std::function<absl::Status(std::string_view data)> on_file_data;
  };

  FormParser(std::string boundary, Handler handler, size_t field_limit = 1 << 20);

  absl::Status Feed(std::string_view data);
  // At the end of the body: the file part must have been seen complete.
  absl::Status Finish();
  bool file_done() const { return state_ == State::kDone; }

  // The boundary parameter of a multipart/form-data Content-Type, or "" if absent.
  static std::string BoundaryOf(std::string_view content_type);

 private:
  enum class State { kPreamble, kHeaders, kField, kFile, kAfterDelimiter, kDone };
  absl::Status Step(bool& progressed);

  std::string delimiter_;  // "\r\n--" + boundary
  Handler handler_;
  size_t field_limit_;
  State state_ = State::kPreamble;
  std::string buffer_;
  std::string name_, value_;
};

}  // namespace coffer::s3
