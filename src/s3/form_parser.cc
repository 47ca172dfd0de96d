#include "s3/form_parser.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace coffer::s3 {
namespace {

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(std::string("malformed multipart/form-data: ") +
                                    std::string(what));
}

// A parameter of a header value such as: form-data; name="key"; filename="a.txt".
std::optional<std::string> Param(std::string_view header, std::string_view name) {
  for (absl::string_view part : absl::StrSplit(absl::string_view(header.data(), header.size()),
                                               ';')) {
    std::string p(absl::StripAsciiWhitespace(part));
    size_t eq = p.find('=');
    if (eq == std::string::npos) continue;
    if (absl::AsciiStrToLower(p.substr(0, eq)) != name) continue;
    std::string v = p.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
  }
  return std::nullopt;
}

}  // namespace

FormParser::FormParser(std::string boundary, Handler handler, size_t field_limit)
    : delimiter_("\r\n--" + boundary), handler_(std::move(handler)), field_limit_(field_limit) {
  // The first delimiter has no CRLF before it; pretend it had.
  buffer_ = "\r\n";
}

std::string FormParser::BoundaryOf(std::string_view content_type) {
  std::string type(content_type);
  if (absl::AsciiStrToLower(type.substr(0, type.find(';'))) != "multipart/form-data") return "";
  return Param(content_type, "boundary").value_or("");
}

absl::Status FormParser::Feed(std::string_view data) {
  if (state_ == State::kDone) return absl::OkStatus();
  buffer_.append(data);
  bool progressed = true;
  while (progressed && state_ != State::kDone) {
    progressed = false;
    if (auto s = Step(progressed); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status FormParser::Finish() {
  if (state_ != State::kDone) return Malformed("the body ended before the file part did");
  return absl::OkStatus();
}

absl::Status FormParser::Step(bool& progressed) {
  switch (state_) {
    case State::kPreamble: {
      size_t at = buffer_.find(delimiter_);
      if (at == std::string::npos) {
        if (buffer_.size() > 64 * 1024) return Malformed("no boundary");
        return absl::OkStatus();
      }
      buffer_.erase(0, at + delimiter_.size());
      state_ = State::kAfterDelimiter;
      progressed = true;
      return absl::OkStatus();
    }
    case State::kAfterDelimiter: {
      if (buffer_.size() < 2) return absl::OkStatus();
      if (buffer_.compare(0, 2, "--") == 0) return Malformed("no file field");
      size_t eol = buffer_.find("\r\n");
      if (eol == std::string::npos) {
        if (buffer_.size() > 1024) return Malformed("bad delimiter line");
        return absl::OkStatus();
      }
      buffer_.erase(0, eol + 2);  // transport padding, then CRLF
      state_ = State::kHeaders;
      progressed = true;
      return absl::OkStatus();
    }
    case State::kHeaders: {
      size_t end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (buffer_.size() > 16 * 1024) return Malformed("part headers too long");
        return absl::OkStatus();
      }
      std::string disposition, content_type;
      for (absl::string_view line :
           absl::StrSplit(absl::string_view(buffer_.data(), end), "\r\n")) {
        size_t colon = line.find(':');
        if (colon == absl::string_view::npos) continue;
        std::string name = absl::AsciiStrToLower(std::string(line.substr(0, colon)));
        std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
        if (name == "content-disposition") disposition = value;
        if (name == "content-type") content_type = value;
      }
      buffer_.erase(0, end + 4);
      auto name = Param(disposition, "name");
      if (!name) return Malformed("a part without a name");
      name_ = *name;
      value_.clear();
      // The upload is the part named "file" (AWS's rule), with or without a filename;
      // other parts are fields even when a client gives them a filename too (Python's
      // requests does, for every part passed as `files`).
      auto filename = Param(disposition, "filename");
      if (absl::AsciiStrToLower(name_) == "file") {
        state_ = State::kFile;
        if (auto s = handler_.on_file_start(name_, filename.value_or(""), content_type); !s.ok())
          return s;
      } else {
        state_ = State::kField;
      }
      progressed = true;
      return absl::OkStatus();
    }
    case State::kField:
    case State::kFile: {
      size_t at = buffer_.find(delimiter_);
      bool file = state_ == State::kFile;
      size_t usable = at != std::string::npos
                          ? at
                          : (buffer_.size() > delimiter_.size() ? buffer_.size() - delimiter_.size()
                                                                : 0);
      if (usable > 0) {
        std::string_view piece(buffer_.data(), usable);
        if (file) {
          if (auto s = handler_.on_file_data(piece); !s.ok()) return s;
        } else {
          if (value_.size() + usable > field_limit_) return Malformed("a field is too long");
          value_.append(piece);
        }
        buffer_.erase(0, usable);
        progressed = true;
      }
      if (at == std::string::npos) return absl::OkStatus();
      buffer_.erase(0, delimiter_.size());
      if (file) {
        state_ = State::kDone;  // fields after the file are ignored
        return absl::OkStatus();
      }
      if (auto s = handler_.on_field(name_, std::move(value_)); !s.ok()) return s;
      state_ = State::kAfterDelimiter;
      progressed = true;
      return absl::OkStatus();
    }
    case State::kDone:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace coffer::s3
