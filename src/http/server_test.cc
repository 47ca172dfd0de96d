#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "base/time.h"

namespace coffer::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// Echo handler: answers with the number of body bytes read and the request target.
Task<void> Echo(Exchange& ex) {
  std::string body;
  char buf[1000];
  size_t total = 0;
  while (true) {
    auto n = co_await ex.ReadSome(buf, sizeof(buf));
    if (!n.ok() || *n == 0) break;
    total += *n;
  }
  // /short promises 10 bytes and sends 3; /nothing promises 10 and sends none.
  if (ex.request().target() == "/short" || ex.request().target() == "/nothing") {
    ResponseHeader head;
    head.result(bhttp::status::ok);
    bool head_only = ex.request().method() == bhttp::verb::head;
    if ((co_await ex.WriteHeader(std::move(head), 10)).ok() && !head_only &&
        ex.request().target() == "/short")
      co_await ex.WriteBody("abc");
    co_return;
  }
  ResponseHeader head;
  head.result(bhttp::status::ok);
  if (ex.request().target() == "/json") head.set("x-amzn-RequestId", ex.request_id());
  if (ex.request().target() == "/reason") {  // a reason of its own, and a header
    head.result(bhttp::status::service_unavailable);
    head.reason("Slow Down Please");
    head.set(bhttp::field::content_type, "text/plain");
  }
  co_await ex.Respond(std::move(head),
                      std::to_string(total) + " " + std::string(ex.request().target()));
}

// One response's bytes as they came: the header, then Content-Length bytes of body
// (none for a HEAD).
std::string ReadRaw(tcp::socket& sock, bool head_request) {
  std::string raw;
  char c;
  while (!raw.ends_with("\r\n\r\n")) {
    net::read(sock, net::buffer(&c, 1));
    raw += c;
  }
  size_t at = raw.find("Content-Length: ");
  size_t n = head_request || at == std::string::npos ? 0 : std::stoul(raw.substr(at + 16));
  std::string body(n, '\0');
  if (n) net::read(sock, net::buffer(body));
  return raw + body;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.header_limit = 4096;
    auto s = Server::Create(std::move(o), Echo);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }

  tcp::socket Connect() {
    tcp::socket s(ioc_);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    return s;
  }

  net::io_context ioc_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, KeepAliveAndRequestIds) {
  auto sock = Connect();
  beast::flat_buffer buf;
  for (int i = 0; i < 2; ++i) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::put, "/a?b=" + std::to_string(i), 11};
    req.set(bhttp::field::host, "localhost");
    req.body() = std::string(5000, 'x');
    req.prepare_payload();
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    EXPECT_EQ(res.result(), bhttp::status::ok);
    EXPECT_EQ(res.body(), "5000 /a?b=" + std::to_string(i));
    EXPECT_EQ(res["x-amz-request-id"].size(), 16u);
    EXPECT_FALSE(res["x-amz-id-2"].empty());
    EXPECT_TRUE(res.keep_alive());
  }
}

// A response that names its request in x-amzn-RequestId (KMS, IAM, STS) carries no
// S3 request ids besides.
TEST_F(ServerTest, JsonApiResponsesCarryOnlyTheirOwnRequestId) {
  auto sock = Connect();
  beast::flat_buffer buf;
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/json", 11};
  req.set(bhttp::field::host, "localhost");
  req.prepare_payload();
  bhttp::write(sock, req);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(sock, buf, res);
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res["x-amzn-RequestId"].size(), 16u);
  EXPECT_EQ(res.find("x-amz-request-id"), res.end());
  EXPECT_EQ(res.find("x-amz-id-2"), res.end());
}

// The Date header is formatted once a second per thread: it must still move on.
TEST_F(ServerTest, DateHeaderFollowsTheClock) {
  auto sock = Connect();
  beast::flat_buffer buf;
  std::string previous;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/d", 11};
    req.set(bhttp::field::host, "localhost");
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    std::string date(res[bhttp::field::date]);
    auto parsed = ParseHttpDate(date);
    ASSERT_TRUE(parsed.has_value()) << date;
    EXPECT_LE(absl::AbsDuration(*parsed - absl::Now()), absl::Seconds(2)) << date;
    EXPECT_NE(date, previous);
    previous = date;
  }
}

// Coffer writes response headers itself (not with Beast's serializer): the bytes must
// be a well-formed HTTP/1.1 header, fields in the order they were set, reason phrases
// standard or the handler's own.
TEST_F(ServerTest, ResponseBytesOnTheWire) {
  auto sock = Connect();
  auto send = [&](const std::string& request) { net::write(sock, net::buffer(request)); };
  const std::string ids = "Server: [^\r]+\r\nDate: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                          "[0-9:]{8} GMT\r\nx-amz-request-id: [0-9A-F]{16}\r\nx-amz-id-2: [^\r]+\r\n";
  send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string raw = ReadRaw(sock, false);
  EXPECT_TRUE(std::regex_match(raw, std::regex("HTTP/1\\.1 200 OK\r\n" + ids +
                                               "Content-Length: 4\r\n\r\n0 /x")))
      << raw;
  send("GET /reason HTTP/1.1\r\nHost: h\r\n\r\n");
  raw = ReadRaw(sock, false);
  EXPECT_TRUE(std::regex_match(raw, std::regex("HTTP/1\\.1 503 Slow Down Please\r\n"
                                               "Content-Type: text/plain\r\n" + ids +
                                               "Content-Length: 9\r\n\r\n0 /reason")))
      << raw;
  // A streamed answer to HEAD: the header alone, with the length a GET would have.
  send("HEAD /nothing HTTP/1.1\r\nHost: h\r\n\r\n");
  raw = ReadRaw(sock, true);
  EXPECT_TRUE(std::regex_match(raw, std::regex("HTTP/1\\.1 200 OK\r\n" + ids +
                                               "Content-Length: 10\r\n\r\n")))
      << raw;
  // The connection is still in step: the next answer is whole.
  send("GET /y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  raw = ReadRaw(sock, false);
  EXPECT_TRUE(std::regex_match(raw, std::regex("HTTP/1\\.1 200 OK\r\n" + ids +
                                               "Connection: close\r\nContent-Length: 4\r\n"
                                               "\r\n0 /y")))
      << raw;
}

TEST_F(ServerTest, ExpectContinue) {
  auto sock = Connect();
  std::string head =
      "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n";
  net::write(sock, net::buffer(head));
  beast::flat_buffer buf;
  bhttp::response<bhttp::empty_body> cont;
  bhttp::read(sock, buf, cont);
  EXPECT_EQ(cont.result(), bhttp::status::continue_);
  net::write(sock, net::buffer(std::string("abc")));
  bhttp::response<bhttp::string_body> res;
  bhttp::read(sock, buf, res);
  EXPECT_EQ(res.body(), "3 /x");
}

TEST_F(ServerTest, ChunkedTransferBody) {
  auto sock = Connect();
  std::string req =
      "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n";
  net::write(sock, net::buffer(req));
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(sock, buf, res);
  EXPECT_EQ(res.body(), "7 /c");
}

TEST_F(ServerTest, HeaderTooLargeIsAwsShaped400) {
  auto sock = Connect();
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\nx-big: " + std::string(8000, 'a') + "\r\n\r\n";
  net::write(sock, net::buffer(req));
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(sock, buf, res);
  EXPECT_EQ(res.result(), bhttp::status::bad_request);
  EXPECT_NE(res.body().find("<Code>RequestHeaderSectionTooLarge</Code>"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
}

// A body cut short closes the connection rather than leave the client waiting. The
// header waits for the body's first bytes (one write for both); when none come, it is
// still sent before the close.
TEST_F(ServerTest, BodyCutShortClosesTheConnection) {
  for (std::string target : {"/short", "/nothing"}) {
    auto sock = Connect();
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
    net::write(sock, net::buffer(req));
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> res;
    beast::error_code ec;
    bhttp::read(sock, buf, res, ec);
    EXPECT_EQ(ec, bhttp::error::partial_message) << target;
    ASSERT_TRUE(res.is_header_done()) << target;
    EXPECT_EQ(res.get().result(), bhttp::status::ok);
    EXPECT_EQ(res.get()[bhttp::field::content_length], "10");
    EXPECT_FALSE(res.get()["x-amz-request-id"].empty());
  }
}

TEST_F(ServerTest, HeadKeepsTheConnection) {
  auto sock = Connect();
  beast::flat_buffer buf;
  for (int i = 0; i < 2; ++i) {
    std::string req = "HEAD /short HTTP/1.1\r\nHost: h\r\n\r\n";
    net::write(sock, net::buffer(req));
    bhttp::response_parser<bhttp::empty_body> res;
    res.skip(true);
    beast::error_code ec;
    bhttp::read(sock, buf, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.get()[bhttp::field::content_length], "10");
    EXPECT_TRUE(res.get().keep_alive());
  }
}

TEST_F(ServerTest, StopClosesIdleConnections) {
  auto sock = Connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server_->Stop();  // TearDown's second Stop is a no-op
  char c;
  boost::system::error_code ec;
  sock.read_some(net::buffer(&c, 1), ec);
  EXPECT_TRUE(ec);  // closed by the server
}

}  // namespace
}  // namespace coffer::http
