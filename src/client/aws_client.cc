#include "client/aws_client.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "base/encoding.h"
#include "crypto/hash.h"

namespace coffer::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

absl::StatusOr<Endpoint> Endpoint::Parse(std::string_view url) {
  Endpoint e;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    e.tls = false;
    url.remove_prefix(7);
  } else {
    return absl::InvalidArgumentError("endpoint must start with http:// or https://");
  }
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || url.find(']', colon) != std::string_view::npos) {
    e.host = std::string(url);
    e.port = e.tls ? 443 : 80;
  } else {
    e.host = std::string(url.substr(0, colon));
    int port = 0;
    if (!absl::SimpleAtoi(std::string(url.substr(colon + 1)), &port) || port <= 0 || port > 65535)
      return absl::InvalidArgumentError("bad port in endpoint");
    e.port = static_cast<uint16_t>(port);
  }
  if (e.host.size() > 2 && e.host.front() == '[') e.host = e.host.substr(1, e.host.size() - 2);
  if (e.host.empty()) return absl::InvalidArgumentError("no host in endpoint");
  return e;
}

std::string Response::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return absl::ascii_tolower(a) == absl::ascii_tolower(b);
        }))
      return v;
  return "";
}

struct AwsClient::Conn {
  net::io_context ioc;
  ssl::context tls_ctx{ssl::context::tls_client};
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  // Runs `f` with whichever stream is open.
  template <typename F>
  auto With(F&& f) {
    return secure ? f(*secure) : f(*plain);
  }
};

AwsClient::AwsClient(Endpoint endpoint, auth::Credentials creds, std::string region)
    : endpoint_(std::move(endpoint)),
      creds_(std::move(creds)),
      region_(std::move(region)),
      io_(new char[kIoBuffer]) {}

AwsClient::~AwsClient() = default;

absl::Status AwsClient::Connect() {
  auto c = std::make_unique<Conn>();
  // Beast reads no more than the buffer's free capacity (at least 512 bytes, at most
  // 64 KiB): without room, every recv() would fetch 512 bytes.
  c->buffer.reserve(64 << 10);
  beast::error_code ec;
  tcp::resolver resolver(c->ioc);
  auto results = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
  if (ec) return absl::UnavailableError("resolve " + endpoint_.host + ": " + ec.message());
  auto tcp_stream = std::make_unique<beast::tcp_stream>(c->ioc);
  tcp_stream->connect(results, ec);
  if (ec) return absl::UnavailableError("connect: " + ec.message());
  tcp_stream->socket().set_option(tcp::no_delay(true), ec);
  if (!endpoint_.tls) {
    c->plain = std::move(tcp_stream);
    conn_ = std::move(c);
    return absl::OkStatus();
  }
  c->tls_ctx.set_verify_mode(ssl::verify_peer);
  if (endpoint_.ca_file.empty()) {
    c->tls_ctx.set_default_verify_paths(ec);
  } else {
    c->tls_ctx.load_verify_file(endpoint_.ca_file, ec);
  }
  if (ec) return absl::FailedPreconditionError("CA file: " + ec.message());
  c->secure = std::make_unique<ssl::stream<beast::tcp_stream>>(std::move(*tcp_stream), c->tls_ctx);
  if (!SSL_set_tlsext_host_name(c->secure->native_handle(), endpoint_.host.c_str()))
    return absl::InternalError("SNI");
  c->secure->set_verify_callback(ssl::host_name_verification(endpoint_.host));
  c->secure->handshake(ssl::stream_base::client, ec);
  if (ec) return absl::UnavailableError("TLS handshake: " + ec.message());
  conn_ = std::move(c);
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> AwsClient::SignedHeaders(
    const Request& req) const {
  auth::SignableRequest signable;
  signable.method = req.method;
  signable.raw_path = req.path;
  signable.raw_query = req.query;
  std::string host = endpoint_.host;
  if ((endpoint_.tls && endpoint_.port != 443) || (!endpoint_.tls && endpoint_.port != 80))
    host += ":" + std::to_string(endpoint_.port);
  signable.headers = req.headers;
  signable.headers.emplace_back("host", host);
  if (req.body_size > 0 || req.method == "PUT" || req.method == "POST")
    signable.headers.emplace_back("content-length", std::to_string(req.body_size));
  std::string payload_hash = req.payload_hash;
  if (payload_hash.empty()) {
    static const std::string kEmptyBodySha256 = HexLower(crypto::Sha256(""));
    payload_hash =
        req.body_bytes.empty() ? kEmptyBodySha256 : HexLower(crypto::Sha256(req.body_bytes));
  }
  auth::CredentialScope scope{"", region_, req.service};
  auth::SignRequest(signable, creds_, scope, absl::Now(), payload_hash);
  return signable.headers;
}

absl::StatusOr<Response> AwsClient::Send(Request req,
                                         const std::function<void(std::string_view)>& on_body,
                                         size_t keep_body) {
  if (!conn_) {
    if (auto s = Connect(); !s.ok()) return s;
  }
  bhttp::request<bhttp::empty_body> head;
  head.method_string(req.method);
  std::string target = req.path + (req.query.empty() ? "" : "?" + req.query);
  head.target(target);
  head.version(11);
  for (const auto& [name, value] : SignedHeaders(req)) head.set(name, value);

  beast::error_code ec;
  auto fail = [&](const char* what) -> absl::Status {
    conn_.reset();
    return absl::UnavailableError(std::string(what) + ": " + ec.message());
  };
  conn_->With([&](auto& stream) {
    bhttp::request_serializer<bhttp::empty_body> sr(head);
    bhttp::write_header(stream, sr, ec);
  });
  if (ec) return fail("write header");
  // The body, kIoBuffer bytes at a time.
  if (req.body_size > 0) {
    for (uint64_t off = 0; off < req.body_size && !ec;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kIoBuffer, req.body_size - off));
      std::string_view piece;
      if (req.body) {
        req.body(off, io_.get(), n);
        piece = std::string_view(io_.get(), n);
      } else {
        piece = std::string_view(req.body_bytes).substr(off, n);
      }
      conn_->With([&](auto& stream) { net::write(stream, net::buffer(piece.data(), n), ec); });
      off += n;
    }
    if (ec) return fail("write body");
  }

  // The answer, streamed.
  Response res;
  bhttp::response_parser<bhttp::buffer_body> parser;
  // (Beast 1.74 compares the length with the optional limit, so boost::none would
  // refuse every body: no limit is the largest one.)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.skip(req.method == "HEAD");
  conn_->With([&](auto& stream) { bhttp::read_header(stream, conn_->buffer, parser, ec); });
  if (ec) return fail("read header");
  res.status = parser.get().result_int();
  for (const auto& f : parser.get()) res.headers.emplace_back(f.name_string(), f.value());
  while (!parser.is_done()) {
    parser.get().body().data = io_.get();
    parser.get().body().size = kIoBuffer;
    conn_->With([&](auto& stream) { bhttp::read(stream, conn_->buffer, parser, ec); });
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return fail("read body");
    size_t n = kIoBuffer - parser.get().body().size;
    std::string_view piece(io_.get(), n);
    res.body_size += n;
    if (res.body.size() < keep_body)
      res.body.append(piece.substr(0, std::min(n, keep_body - res.body.size())));
    if (on_body && n) on_body(piece);
  }
  if (!parser.keep_alive()) conn_.reset();
  return res;
}

}  // namespace coffer::client
