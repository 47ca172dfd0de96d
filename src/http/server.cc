#include "http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/time.h"

namespace coffer::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr size_t kReadBufferBytes = 64 * 1024;  // Beast reads at most 64 KiB at a time

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoMilliseconds(d);
}

auto Await(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

// Every response's Date header: formatted once a second per thread, not per response.
const std::string& DateNow() {
  thread_local int64_t second = INT64_MIN;
  thread_local std::string text;
  const absl::Time now = absl::Now();
  if (const int64_t s = absl::ToUnixSeconds(now); s != second) {
    second = s;
    text = FormatHttpDate(now);
  }
  return text;
}

// The bytes of a response header, as Beast's serializer writes them: the status line
// (the header's reason, else the standard one), each field in order, an empty line.
// Written here in one pass: Beast hands them to the stream as a few dozen small
// buffers (one per field, and around it), and walking those through its buffer
// adaptors and TLS's coalescing copy cost more than a small request's handler.
void AppendHeader(const ResponseHeader& head, std::string& out) {
  const unsigned code = head.result_int();
  std::string_view reason = head.reason();
  if (reason.empty()) reason = bhttp::obsolete_reason(static_cast<bhttp::status>(code));
  size_t size = 17 + reason.size();
  for (const auto& field : head) size += field.name_string().size() + field.value().size() + 4;
  out.reserve(out.size() + size);
  const char line[] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + head.version() / 10), '.',
                       static_cast<char>('0' + head.version() % 10), ' ',
                       static_cast<char>('0' + code / 100 % 10),
                       static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10),
                       ' '};
  out.append(line, sizeof(line)).append(reason).append("\r\n");
  for (const auto& field : head) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}

// Protocol-level failures are answered before any handler runs; they still get an
// AWS-shaped body so clients print something useful.
std::string ProtocolErrorXml(std::string_view code, std::string_view message,
                             const std::string& request_id) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>";
  out.append(code).append("</Code><Message>").append(message);
  out.append("</Message><RequestId>").append(request_id).append("</RequestId></Error>");
  return out;
}

}  // namespace

struct Server::Impl {
  ServerOptions opts;
  Handler handler;
  // One single-threaded io_context per thread; a connection lives on one of them for
  // its whole life, so its handlers need no strand and never hop threads (a hop is a
  // futex wake and an epoll_ctl per completion). The first also runs the acceptor.
  std::vector<std::unique_ptr<net::io_context>> workers;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  size_t next_worker = 0;
  net::io_context& ioc;
  std::optional<net::ssl::context> ssl;
  tcp::acceptor acceptor{ioc};
  net::steady_timer grace{ioc};

  explicit Impl(int threads) : workers(MakeWorkers(threads)), ioc(*workers[0]) {
    for (auto& w : workers) keep_running.push_back(net::make_work_guard(*w));
  }
  static std::vector<std::unique_ptr<net::io_context>> MakeWorkers(int threads) {
    int n = threads > 0 ? threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::unique_ptr<net::io_context>> out;
    for (int i = 0; i < n; ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }
  void StopAll() {
    keep_running.clear();
    for (auto& w : workers) w->stop();
  }
  std::atomic<bool> stopping{false};

  struct Conn {
    net::any_io_executor executor;
    std::function<void()> cancel;
    bool idle = true;
  };
  std::mutex mu;
  std::map<uint64_t, Conn> conns;
  uint64_t next_conn = 0;

  Task<void> Accept();
  template <typename Stream>
  Task<void> Serve(Stream& stream, const std::string& remote_ip, bool secure, uint64_t conn);
  Task<void> Session(tcp::socket socket);
  uint64_t Register(net::any_io_executor ex, std::function<void()> cancel);
  void SetIdle(uint64_t id, bool idle);
  void Unregister(uint64_t id);
};

template <typename Stream>
class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(Server::Impl& impl, Stream& stream, beast::flat_buffer& buffer,
               bhttp::request_parser<bhttp::buffer_body>& parser, const std::string& remote_ip,
               bool secure)
      : impl_(impl), stream_(stream), buffer_(buffer), parser_(parser), remote_ip_(remote_ip),
        secure_(secure), request_id_(NewRequestId()) {
    const auto& req = parser_.get();
    if (auto len = parser_.content_length()) content_length_ = *len;
    body_done_ = parser_.is_done();
    expect_continue_ = beast::iequals(req[bhttp::field::expect], "100-continue");
  }

  const RequestHeader& request() const override { return parser_.get().base(); }
  std::optional<uint64_t> content_length() const override { return content_length_; }
  bool chunked() const override { return parser_.chunked(); }
  const std::string& remote_ip() const override { return remote_ip_; }
  bool secure() const override { return secure_; }
  const std::string& request_id() const override { return request_id_; }
  const std::string& host_id() const override {
    if (host_id_.empty()) host_id_ = NewHostId();  // 32 random bytes: only when asked for
    return host_id_;
  }
  bool body_done() const override { return body_done_; }
  bool responded() const override { return responded_; }
  bool broken() const { return broken_; }
  void AddResponseHeader(std::string name, std::string value) override {
    extra_headers_.emplace_back(std::move(name), std::move(value));
  }
  bool keep_alive() const { return keep_alive_; }

  Task<absl::StatusOr<size_t>> ReadSome(char* buf, size_t n) override {
    if (body_done_ || n == 0) co_return 0;
    if (broken_) co_return absl::UnavailableError("connection failed");
    error_code ec;
    if (expect_continue_ && !continue_sent_) {
      continue_sent_ = true;
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      Expire();
      co_await bhttp::async_write(stream_, cont, Await(ec));
      if (ec) co_return Fail(ec);
    }
    while (true) {
      parser_.get().body().data = buf;
      parser_.get().body().size = n;
      Expire();
      co_await bhttp::async_read(stream_, buffer_, parser_, Await(ec));
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return Fail(ec);
      size_t got = n - parser_.get().body().size;
      bytes_in_ += got;
      if (parser_.is_done()) body_done_ = true;
      if (got > 0 || body_done_) co_return got;
    }
  }

  // The streaming pair does it: WriteHeader holds the header back, and WriteBody sends
  // it with the body in one write (a HEAD gets the header alone, with the same length).
  Task<absl::Status> Respond(ResponseHeader head, std::string body) override {
    const uint64_t length = body.size();
    auto s = co_await WriteHeader(std::move(head), length);
    if (!s.ok() || body_owed_ == 0) co_return s;
    co_return co_await WriteBody(body);
  }

  // The header of a response with a body waits for the body's first bytes, so that a
  // small object goes out in one write and one TCP segment, not two (the client is
  // woken once). Flush() sends it if no body comes.
  Task<absl::Status> WriteHeader(ResponseHeader head, uint64_t length) override {
    Prepare(head);
    head.set(bhttp::field::content_length, std::to_string(length));
    body_owed_ = parser_.get().method() == bhttp::verb::head ? 0 : length;  // HEAD sends none
    pending_head_.clear();
    AppendHeader(head, pending_head_);
    if (body_owed_ != 0) co_return absl::OkStatus();
    error_code ec;
    Expire();
    co_await net::async_write(stream_, net::buffer(pending_head_), Await(ec));
    pending_head_.clear();
    co_return ec ? Fail(ec) : absl::OkStatus();
  }

  Task<absl::Status> WriteBody(std::string_view data) override {
    if (broken_) co_return absl::UnavailableError("connection failed");
    error_code ec;
    Expire();
    if (pending_head_.empty()) {
      co_await net::async_write(stream_, net::buffer(data.data(), data.size()), Await(ec));
    } else {
      // Not a std::array of two: asio writes those with its own loop, which after the
      // header passes TLS an empty first buffer, and Beast's flat_stream then writes 0
      // bytes, which async_write takes for the end of the body.
      co_await net::async_write(
          stream_, beast::buffers_cat(net::buffer(pending_head_), net::buffer(data.data(), data.size())),
          Await(ec));
      pending_head_.clear();
    }
    body_owed_ -= std::min<uint64_t>(body_owed_, data.size());
    bytes_out_ += data.size();
    co_return ec ? Fail(ec) : absl::OkStatus();
  }

  // Sends a header still held by WriteHeader (a handler that wrote no body).
  Task<void> Flush() {
    if (pending_head_.empty() || broken_) co_return;
    error_code ec;
    Expire();
    co_await net::async_write(stream_, net::buffer(pending_head_), Await(ec));
    pending_head_.clear();
    if (ec) Fail(ec).IgnoreError();  // the connection is closed after this exchange
  }
  // True when a streamed body stopped short of its Content-Length: the client must see
  // the connection close rather than wait for bytes that will never come.
  bool cut_short() const { return body_owed_ != 0; }

 private:
  void Expire() { beast::get_lowest_layer(stream_).expires_after(ToChrono(impl_.opts.io_timeout)); }

  absl::Status Fail(const error_code& ec) {
    broken_ = true;
    keep_alive_ = false;
    if (ec == beast::error::timeout) return absl::DeadlineExceededError("client too slow");
    if (ec == bhttp::error::body_limit) return absl::OutOfRangeError("body too large");
    return absl::UnavailableError("connection: " + ec.message());
  }

  void Prepare(ResponseHeader& head) {
    responded_ = true;
    status_ = head.result_int();
    keep_alive_ = parser_.get().keep_alive() && body_done_ && !impl_.stopping;
    head.version(11);
    head.set(bhttp::field::server, impl_.opts.server_name);
    head.set(bhttp::field::date, DateNow());
    // The JSON and Query APIs (KMS, IAM, STS, CloudTrail) name the request in
    // x-amzn-RequestId, as AWS does; everything else gets S3's pair.
    if (head.find("x-amzn-RequestId") == head.end()) {
      head.set("x-amz-request-id", request_id_);
      head.set("x-amz-id-2", host_id());
    }
    for (const auto& [name, value] : extra_headers_) head.set(name, value);
    if (!keep_alive_) head.set(bhttp::field::connection, "close");
  }

  Server::Impl& impl_;
  Stream& stream_;
  beast::flat_buffer& buffer_;
  bhttp::request_parser<bhttp::buffer_body>& parser_;
  const std::string& remote_ip_;
  bool secure_;
  std::string request_id_;
  mutable std::string host_id_;
  std::optional<uint64_t> content_length_;
  bool body_done_ = false, expect_continue_ = false, continue_sent_ = false;
  bool responded_ = false, broken_ = false, keep_alive_ = false;
  uint64_t body_owed_ = 0;
  std::string pending_head_;  // a response header not yet sent (see WriteHeader)
  std::vector<std::pair<std::string, std::string>> extra_headers_;
};

uint64_t Server::Impl::Register(net::any_io_executor ex, std::function<void()> cancel) {
  std::lock_guard lock(mu);
  uint64_t id = ++next_conn;
  conns[id] = Conn{std::move(ex), std::move(cancel), true};
  return id;
}

void Server::Impl::SetIdle(uint64_t id, bool idle) {
  std::lock_guard lock(mu);
  if (auto it = conns.find(id); it != conns.end()) it->second.idle = idle;
}

void Server::Impl::Unregister(uint64_t id) {
  std::lock_guard lock(mu);
  conns.erase(id);
  if (stopping && conns.empty()) net::post(ioc, [this] { grace.cancel(); });
}

template <typename Stream>
Task<void> Server::Impl::Serve(Stream& stream, const std::string& remote_ip, bool secure,
                               uint64_t conn) {
  // Beast reads at most the buffer's free capacity per receive: without room made here,
  // a body arrives a header's worth (a KiB or two) at a time, a syscall and a timer
  // re-arm each, and a plain-HTTP PUT crawls at ~100 MB/s.
  beast::flat_buffer buffer;
  buffer.reserve(kReadBufferBytes);
  while (!stopping) {
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
    parser.body_limit(opts.body_limit);
    SetIdle(conn, true);
    beast::get_lowest_layer(stream).expires_after(ToChrono(opts.idle_timeout));
    error_code ec;
    co_await bhttp::async_read_header(stream, buffer, parser, Await(ec));
    SetIdle(conn, false);
    if (ec == bhttp::error::header_limit || ec == bhttp::error::bad_method ||
        ec == bhttp::error::bad_target || ec == bhttp::error::bad_version ||
        ec == bhttp::error::bad_field || ec == bhttp::error::bad_value ||
        ec == bhttp::error::bad_content_length || ec == bhttp::error::bad_transfer_encoding ||
        ec == bhttp::error::bad_line_ending || ec == bhttp::error::bad_chunk) {
      bool too_large = ec == bhttp::error::header_limit;
      bhttp::response<bhttp::string_body> res{bhttp::status::bad_request, 11};
      std::string id = NewRequestId();
      res.set(bhttp::field::server, opts.server_name);
      res.set(bhttp::field::content_type, "application/xml");
      res.set("x-amz-request-id", id);
      res.body() = too_large ? ProtocolErrorXml("RequestHeaderSectionTooLarge",
                                                "Your request header section exceeds the "
                                                "maximum allowed size.", id)
                             : ProtocolErrorXml("BadRequest", "Malformed HTTP request.", id);
      res.keep_alive(false);
      res.prepare_payload();
      beast::get_lowest_layer(stream).expires_after(ToChrono(opts.io_timeout));
      co_await bhttp::async_write(stream, res, Await(ec));
      break;
    }
    if (ec) break;  // closed, timed out, or cancelled by Stop()

    ExchangeImpl<Stream> exchange(*this, stream, buffer, parser, remote_ip, secure);
    co_await handler(exchange);
    co_await exchange.Flush();
    if (!exchange.responded() && !exchange.broken()) {
      ResponseHeader head;
      head.result(bhttp::status::internal_server_error);
      head.set(bhttp::field::content_type, "application/xml");
      co_await exchange.Respond(std::move(head),
                                ProtocolErrorXml("InternalError",
                                                 "We encountered an internal error. Please try "
                                                 "again.", exchange.request_id()));
    }
    if (exchange.broken() || !exchange.keep_alive() || exchange.cut_short()) break;
  }
}

Task<void> Server::Impl::Session(tcp::socket socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  std::string remote_ip = ec ? "" : endpoint.address().to_string();
  socket.set_option(tcp::no_delay(true), ec);
  auto executor = socket.get_executor();

  if (ssl) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ssl);
    uint64_t conn = Register(executor, [&stream] { beast::get_lowest_layer(stream).cancel(); });
    beast::get_lowest_layer(stream).expires_after(ToChrono(opts.io_timeout));
    co_await stream.async_handshake(net::ssl::stream_base::server, Await(ec));
    if (!ec) {
      co_await Serve(stream, remote_ip, true, conn);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(Await(ec));
    }
    Unregister(conn);
  } else {
    beast::tcp_stream stream(std::move(socket));
    uint64_t conn = Register(executor, [&stream] { stream.cancel(); });
    co_await Serve(stream, remote_ip, false, conn);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    Unregister(conn);
  }
}

Task<void> Server::Impl::Accept() {
  while (!stopping) {
    error_code ec;
    auto& worker = *workers[next_worker++ % workers.size()];
    tcp::socket socket = co_await acceptor.async_accept(worker, Await(ec));
    if (ec) {
      if (stopping || ec == net::error::operation_aborted) break;
      // Out of file descriptors and the like: back off briefly instead of spinning.
      net::steady_timer t(ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(Await(ec));
      continue;
    }
    auto ex = socket.get_executor();
    net::co_spawn(ex, Session(std::move(socket)), net::detached);
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

absl::StatusOr<std::unique_ptr<Server>> Server::Create(ServerOptions options, Handler handler) {
  auto impl = std::make_unique<Impl>(options.threads);
  impl->opts = std::move(options);
  impl->handler = std::move(handler);
  if (impl->opts.tls) {
    impl->ssl.emplace(net::ssl::context::tls_server);
    auto& ctx = *impl->ssl;
    ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    error_code ec;
    const auto& tls = *impl->opts.tls;
    ctx.use_certificate_chain(net::buffer(tls.cert_chain_pem), ec);
    if (!ec) ctx.use_private_key(net::buffer(tls.key_pem.data(), tls.key_pem.size()),
                                 net::ssl::context::pem, ec);
    if (ec) return absl::InvalidArgumentError("TLS certificate or key unusable: " + ec.message());
  }
  error_code ec;
  auto address = net::ip::make_address(impl->opts.host, ec);
  if (ec) {
    tcp::resolver resolver(impl->ioc);
    auto results = resolver.resolve(impl->opts.host, "", ec);
    if (ec || results.empty())
      return absl::InvalidArgumentError("cannot resolve address " + impl->opts.host);
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, impl->opts.port);
  auto& acc = impl->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + impl->opts.host + ":" +
                                  std::to_string(impl->opts.port) + ": " + ec.message());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Run() {
  auto& impl = *impl_;
  net::co_spawn(impl.ioc, impl.Accept(), net::detached);
  std::vector<std::thread> pool;
  for (size_t i = 1; i < impl.workers.size(); ++i)
    pool.emplace_back([w = impl.workers[i].get()] { w->run(); });
  impl.ioc.run();
  impl.StopAll();
  for (auto& t : pool) t.join();
}

void Server::Stop() {
  auto& impl = *impl_;
  net::post(impl.ioc, [&impl] {
    if (impl.stopping.exchange(true)) return;
    error_code ec;
    impl.acceptor.close(ec);
    std::lock_guard lock(impl.mu);
    if (impl.conns.empty()) {
      impl.StopAll();
      return;
    }
    for (auto& [id, conn] : impl.conns) {
      if (!conn.idle) continue;
      net::post(conn.executor, [&impl, id = id] {
        std::lock_guard lock(impl.mu);
        if (auto it = impl.conns.find(id); it != impl.conns.end() && it->second.idle)
          it->second.cancel();
      });
    }
    impl.grace.expires_after(ToChrono(impl.opts.shutdown_grace));
    impl.grace.async_wait([&impl](error_code) { impl.StopAll(); });
  });
}

}  // namespace coffer::http
