// Structure follows Boost.Beast's example/advanced/server: one class per session, do_x /
// on_x handler pairs, everything on the session's strand.
#include "core/net/server_websocket_session.hpp"

#include <atomic>
#include <deque>
#include <optional>
#include <utility>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace propbot::net::detail {
namespace {

namespace websocket = beast::websocket;

// RFC 6455 5.5: a control frame payload is at most 125 bytes, 2 of them the code.
constexpr std::size_t kMaxCloseReasonBytes = 123;

// WebSocketStreamSession: one upgraded connection. The read loop is always pending
// while the session lives; its end (peer close, our close, drop, idle timeout, error)
// is the one place that calls on_close. Writes go through a queue bounded in messages
// and bytes; the bound is checked in send() with atomics so that a producer on another
// thread is refused at once instead of piling posts onto the strand.
template <bool Tls>
class WebSocketStreamSession final : public WebSocketSession,
                                     public ServerSession,
                                     public std::enable_shared_from_this<WebSocketStreamSession<Tls>> {
 public:
  // `slot`: the connection's place in the counts, taken over from the HttpSession.
  WebSocketStreamSession(ServerStream<Tls>&& stream, std::shared_ptr<ServerState> state,
                         const WebSocketEndpoint& endpoint, std::string remote_addr, ConnectionSlot slot)
      : ws_(std::move(stream)),
        state_(std::move(state)),
        endpoint_(endpoint),
        remote_addr_(std::move(remote_addr)),
        slot_(std::move(slot)) {}

  ~WebSocketStreamSession() override { state_->unregister_session(id_); }

  // On the strand of the HttpSession that read the upgrade request (the same strand:
  // the stream and its executor moved here).
  void run(http::request<http::string_body> request, HttpRequest api_request) {
    id_ = state_->register_session(this->weak_from_this());
    api_request_ = std::move(api_request);
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = state_->options.request_timeout;
    timeout.idle_timeout = endpoint_.options.idle_timeout.count() > 0
                               ? std::chrono::duration_cast<websocket::stream_base::duration>(endpoint_.options.idle_timeout)
                               : websocket::stream_base::none();
    timeout.keep_alive_pings = endpoint_.options.keep_alive_pings;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "propbot"); }));
    ws_.read_message_max(endpoint_.options.max_message_bytes);
    ws_.auto_fragment(false);
    ws_.async_accept(request, beast::bind_front_handler(&WebSocketStreamSession::on_accept, this->shared_from_this()));
  }

  // WebSocketSession ------------------------------------------------------------
  std::uint64_t id() const override { return id_; }
  const std::string& remote_addr() const override { return remote_addr_; }
  bool is_open() const override { return open_.load(); }

  bool send(std::shared_ptr<const std::string> text) override {
    if (!text || !open_.load()) return false;
    const std::size_t bytes = text->size();
    const std::size_t messages = queued_messages_.fetch_add(1) + 1;
    const std::size_t total_bytes = queued_bytes_.fetch_add(bytes) + bytes;
    if (messages > endpoint_.options.max_queued_messages || total_bytes > endpoint_.options.max_queued_bytes) {
      queued_messages_.fetch_sub(1);
      queued_bytes_.fetch_sub(bytes);
      drop("slow reader: write queue over " + std::to_string(endpoint_.options.max_queued_messages) +
           " messages or " + std::to_string(endpoint_.options.max_queued_bytes) + " bytes");
      return false;
    }
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), text = std::move(text)]() mutable {
      self->on_send(std::move(text));
    });
    return true;
  }

  void close(std::uint16_t code, std::string reason) override {
    if (!open_.exchange(false)) return;
    if (reason.size() > kMaxCloseReasonBytes) reason.resize(kMaxCloseReasonBytes);
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      self->request_close(code, std::move(reason));
    });
  }

  // ServerSession ---------------------------------------------------------------
  asio::any_io_executor executor() override { return ws_.get_executor(); }

  void on_server_stop() override {
    if (!accepted_) {
      beast::get_lowest_layer(ws_).cancel();
      return;
    }
    open_.store(false);
    request_close(websocket::close_code::going_away, "server stopping");
  }

  void on_server_abandoned() override { notify_closed(); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      state_->log("api: websocket handshake from " + remote_addr_ + " on " + api_request_.path +
                  " failed: " + ec.message());
      return hard_close();
    }
    accepted_ = true;
    if (state_->stopping.load()) {
      request_close(websocket::close_code::going_away, "server stopping");
      return do_read();
    }
    open_.store(true);
    opened_ = true;
    state_->log("api: " + remote_addr_ + " websocket open " + api_request_.path + " session=" + std::to_string(id_));
    auto self = this->shared_from_this();
    invoke("on_open", [&] {
      if (endpoint_.handler.on_open) endpoint_.handler.on_open(self, api_request_);
    });
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketStreamSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return finish(ec);
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      open_.store(false);
      request_close(websocket::close_code::bad_payload, "text frames only");
      return do_read();
    }
    if (opened_ && endpoint_.handler.on_message && !closing_) {
      std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      auto self = this->shared_from_this();
      invoke("on_message", [&] { endpoint_.handler.on_message(self, text); });
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void on_send(std::shared_ptr<const std::string> text) {
    if (closing_) {
      queued_messages_.fetch_sub(1);
      queued_bytes_.fetch_sub(text->size());
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()),
                    beast::bind_front_handler(&WebSocketStreamSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    queued_messages_.fetch_sub(1);
    queued_bytes_.fetch_sub(queue_.front()->size());
    queue_.pop_front();
    if (ec) {
      open_.store(false);
      return hard_close();  // the read loop then ends and reports
    }
    if (!queue_.empty()) return do_write();
    if (close_reason_ && !close_sent_) do_close();
  }

  void request_close(std::uint16_t code, std::string reason) {
    if (close_reason_) return;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!writing_) do_close();
  }

  void do_close() {
    close_sent_ = true;
    ws_.async_close(*close_reason_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) self->hard_close();
    });
  }

  // Any thread. The connection is closed without a close frame: writes are stuck.
  void drop(std::string why) {
    if (!open_.exchange(false)) return;
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), why = std::move(why)] {
      self->state_->log("api: " + self->remote_addr_ + " websocket session=" + std::to_string(self->id_) +
                        " dropped: " + why);
      self->closing_ = true;
      self->hard_close();
    });
  }

  void hard_close() {
    closing_ = true;
    beast::get_lowest_layer(ws_).close();
  }

  void finish(beast::error_code ec) {
    open_.store(false);
    closing_ = true;
    if (ec == beast::error::timeout) {
      state_->log("api: " + remote_addr_ + " websocket session=" + std::to_string(id_) + " closed: idle timeout");
    } else if (ec != websocket::error::closed && ec != asio::error::operation_aborted && ec != asio::error::eof &&
               ec != asio::error::connection_reset && opened_) {
      state_->log("api: " + remote_addr_ + " websocket session=" + std::to_string(id_) + " ended: " + ec.message());
    }
    if (ws_.is_open() && ec != websocket::error::closed) hard_close();
    notify_closed();
  }

  void notify_closed() {
    if (!opened_ || closed_notified_) return;
    closed_notified_ = true;
    state_->log("api: " + remote_addr_ + " websocket closed " + api_request_.path + " session=" + std::to_string(id_));
    auto self = this->shared_from_this();
    invoke("on_close", [&] {
      if (endpoint_.handler.on_close) endpoint_.handler.on_close(self);
    });
  }

  template <typename F>
  void invoke(const char* callback, F&& call) {
    try {
      call();
      return;
    } catch (const std::exception& error) {
      state_->log(std::string("api: websocket ") + callback + " for " + api_request_.path + " threw: " + error.what());
    } catch (...) {
      state_->log(std::string("api: websocket ") + callback + " for " + api_request_.path + " threw a non-std exception");
    }
    if (open_.exchange(false)) request_close(websocket::close_code::internal_error, "internal error");
  }

  websocket::stream<ServerStream<Tls>> ws_;
  std::shared_ptr<ServerState> state_;
  const WebSocketEndpoint& endpoint_;  // in state_->websockets, immutable after start()
  std::string remote_addr_;
  ConnectionSlot slot_;
  HttpRequest api_request_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;

  std::atomic<bool> open_{false};  // accepting send(); false once closing began
  std::atomic<std::size_t> queued_messages_{0};
  std::atomic<std::size_t> queued_bytes_{0};

  // Strand only.
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool accepted_ = false;
  bool opened_ = false;  // on_open was called: on_close is owed
  bool closed_notified_ = false;
  bool writing_ = false;
  bool closing_ = false;  // no more writes or messages
  bool close_sent_ = false;
  std::optional<websocket::close_reason> close_reason_;
};

}  // namespace

template <bool Tls>
void start_websocket_session(ServerStream<Tls>&& stream, std::shared_ptr<ServerState> state,
                             const WebSocketEndpoint& endpoint, std::string remote_addr, ConnectionSlot slot,
                             http::request<http::string_body> request, HttpRequest api_request) {
  std::make_shared<WebSocketStreamSession<Tls>>(std::move(stream), std::move(state), endpoint, std::move(remote_addr),
                                                std::move(slot))
      ->run(std::move(request), std::move(api_request));
}

template void start_websocket_session<false>(ServerStream<false>&&, std::shared_ptr<ServerState>,
                                             const WebSocketEndpoint&, std::string, ConnectionSlot,
                                             http::request<http::string_body>, HttpRequest);
template void start_websocket_session<true>(ServerStream<true>&&, std::shared_ptr<ServerState>,
                                            const WebSocketEndpoint&, std::string, ConnectionSlot,
                                            http::request<http::string_body>, HttpRequest);

}  // namespace propbot::net::detail
