#include "s3/form_parser.h"

#include <gtest/gtest.h>

#include <map>

namespace coffer::s3 {
namespace {

struct Collected {
  std::map<std::string, std::string> fields;
  std::string file_name, filename, content_type, data;
};

FormParser::Handler Collect(Collected& c) {
  return {[&c](const std::string& n, std::string v) {
            c.fields[n] = std::move(v);
            return absl::OkStatus();
          },
          [&c](const std::string& n, const std::string& f, const std::string& t) {
            c.file_name = n;
            c.filename = f;
            c.content_type = t;
            return absl::OkStatus();
          },
          [&c](std::string_view d) {
            c.data.append(d);
            return absl::OkStatus();
          }};
}

const std::string kBody =
    "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\neyJ4Ijp7fX0=\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
    "Content-Type: text/plain\r\n\r\nline one\r\n--XY not a boundary\r\nend\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"ignored\"\r\n\r\nafter\r\n--XyZ--\r\n";

TEST(FormParser, WholeAndByteByByte) {
  for (size_t step : {kBody.size(), size_t{1}, size_t{7}}) {
    Collected c;
    FormParser p("XyZ", Collect(c));
    for (size_t i = 0; i < kBody.size(); i += step)
      ASSERT_TRUE(p.Feed(std::string_view(kBody).substr(i, step)).ok());
    ASSERT_TRUE(p.Finish().ok());
    EXPECT_EQ(c.fields["key"], "uploads/${filename}");
    EXPECT_EQ(c.fields["policy"], "eyJ4Ijp7fX0=");
    EXPECT_EQ(c.fields.count("ignored"), 0u);
    EXPECT_EQ(c.filename, "a.txt");
    EXPECT_EQ(c.content_type, "text/plain");
    EXPECT_EQ(c.data, "line one\r\n--XY not a boundary\r\nend");
  }
}

TEST(FormParser, OnlyThePartNamedFileIsTheUpload) {
  // Python's requests gives every part passed as `files` a filename.
  const std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"key\"; filename=\"key\"\r\n\r\nfoo.txt\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\r\nbar\r\n"
      "--B--\r\n";
  Collected c;
  FormParser p("B", Collect(c));
  ASSERT_TRUE(p.Feed(body).ok());
  ASSERT_TRUE(p.Finish().ok());
  EXPECT_EQ(c.fields["key"], "foo.txt");
  EXPECT_EQ(c.file_name, "file");
  EXPECT_EQ(c.data, "bar");
}

TEST(FormParser, Errors) {
  Collected c;
  FormParser cut("XyZ", Collect(c));
  ASSERT_TRUE(cut.Feed(kBody.substr(0, 150)).ok());
  EXPECT_FALSE(cut.Finish().ok());
  Collected d;
  FormParser nofile("B", Collect(d));
  EXPECT_FALSE(
      nofile.Feed("--B\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--B--\r\n").ok());
  EXPECT_EQ(FormParser::BoundaryOf("multipart/form-data; boundary=\"abc\""), "abc");
  EXPECT_EQ(FormParser::BoundaryOf("text/plain; boundary=abc"), "");
}

}  // namespace
}  // namespace coffer::s3
