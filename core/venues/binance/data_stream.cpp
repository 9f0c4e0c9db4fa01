#include "core/venues/binance/data_stream.hpp"

#include <algorithm>

#include "core/common/json_util.hpp"
#include "core/net/url.hpp"
#include "core/venues/binance/parse.hpp"

namespace propbot::venues::binance {

namespace {

// The combined-stream name of a frame ("btcusdt@depth@100ms"), found without parsing
// the whole frame; empty when absent (a raw stream).
std::string_view stream_name(std::string_view text) {
  constexpr std::string_view key = "\"stream\":\"";
  const auto at = text.find(key);
  if (at == std::string_view::npos) return {};
  const auto begin = at + key.size();
  const auto end = text.find('"', begin);
  if (end == std::string_view::npos) return {};
  return text.substr(begin, end - begin);
}

Result<std::unique_ptr<net::WsClient>> make_ws(boost::asio::io_context& io, const net::Url& url,
                                               const DataStreamOptions& options, net::WsCallbacks callbacks,
                                               Logger logger, std::string_view name) {
  net::WsClientOptions ws;
  ws.scheme = url.scheme;
  ws.host = url.host;
  ws.port = url.port;
  ws.tls = options.tls;
  ws.reconnect = options.reconnect;
  ws.log = [logger, name = std::string(name)](std::string_view line) {
    logger.debug("binance_ws", {{"stream", name}, {"line", line}});
  };
  return net::WsClient::create(io, std::move(ws), std::move(callbacks));
}

}  // namespace

DataStream::DataStream(boost::asio::io_context& io, const Clock& clock, RestClient& rest,
                       std::vector<BinanceInstrument> instruments, DataStreamOptions options, Logger logger)
    : io_(io), clock_(clock), rest_(rest), options_(std::move(options)), logger_(std::move(logger)) {
  books_.reserve(instruments.size());
  for (auto& instrument : instruments) {
    Book book;
    auto grid = md::LevelGrid::create(instrument.tick_size, instrument.step_size);
    // exchangeInfo parsing guarantees positive sizes, so create() cannot fail here.
    book.sync = std::make_unique<md::BinanceBookSync>(instrument.spec, grid.value());
    book.health = std::make_unique<md::FeedHealth>(options_.venue_id, instrument.symbol,
                                                   md::FeedHealthConfig{options_.stale_after});
    book.instrument = std::move(instrument);
    books_.push_back(std::move(book));
  }
}

DataStream::~DataStream() { stop(); }

Status DataStream::start(MarketDataListener& listener) {
  if (listener_ != nullptr) return make_error(Errc::conflict, "Binance data stream already started");
  auto base = net::parse_url(options_.ws_base_url);
  if (!base) return base.error();
  std::string base_path = base->target == "/" ? std::string() : base->target;
  if (!base_path.empty() && base_path.back() == '/') base_path.pop_back();

  std::string depth_streams;
  std::string mark_streams;
  for (const auto& book : books_) {
    const auto& s = book.instrument.stream_symbol;
    auto append = [](std::string& list, const std::string& stream) {
      if (!list.empty()) list += '/';
      list += stream;
    };
    append(depth_streams, s + options_.depth_stream_suffix);
    if (options_.book_ticker) append(depth_streams, s + "@bookTicker");
    append(mark_streams, s + options_.mark_price_suffix);
  }

  std::weak_ptr<bool> alive = alive_;
  net::WsCallbacks public_callbacks;
  public_callbacks.on_open = [this, alive] {
    if (!alive.expired()) on_public_open();
  };
  public_callbacks.on_message = [this, alive](std::string_view text) {
    if (alive.expired()) return;
    if (options_.raw_tap) options_.raw_tap(RawChannel::market_ws, text);
    on_public_message(text);
  };
  public_callbacks.on_close = [this, alive](const net::WsCloseInfo& info) {
    if (!alive.expired()) on_public_close(info);
  };
  auto public_ws = make_ws(io_, base.value(), options_, std::move(public_callbacks), logger_, "public");
  if (!public_ws) return public_ws.error();

  net::WsCallbacks market_callbacks;
  market_callbacks.on_message = [this, alive](std::string_view text) {
    if (alive.expired()) return;
    if (options_.raw_tap) options_.raw_tap(RawChannel::market_ws, text);
    on_market_message(text);
  };
  market_callbacks.on_close = [this, alive](const net::WsCloseInfo& info) {
    if (alive.expired() || listener_ == nullptr) return;
    logger_.warn("binance_market_stream_closed", {{"reason", info.reason}, {"will_reconnect", info.will_reconnect}});
  };
  auto market_ws = make_ws(io_, base.value(), options_, std::move(market_callbacks), logger_, "market");
  if (!market_ws) return market_ws.error();

  listener_ = &listener;
  public_ws_ = std::move(public_ws.value());
  market_ws_ = std::move(market_ws.value());
  if (auto s = public_ws_->connect(base_path + options_.public_prefix + "/stream?streams=" + depth_streams); !s) return s;
  if (auto s = market_ws_->connect(base_path + options_.market_prefix + "/stream?streams=" + mark_streams); !s) return s;
  logger_.info("binance_data_stream_started", {{"symbols", static_cast<std::uint64_t>(books_.size())}});
  return {};
}

void DataStream::stop() {
  listener_ = nullptr;
  for (auto& book : books_) {
    ++book.generation;
    book.snapshot_pending = false;
  }
  if (public_ws_) public_ws_->close(1000, "stop");
  if (market_ws_) market_ws_->close(1000, "stop");
}

void DataStream::announce_invalid(Book& book, std::string_view reason) {
  const bool was_valid = book.announced_valid;
  book.announced_valid = false;
  // Transitions only: a book never announced valid is already invalid for the listener.
  if (listener_ != nullptr && was_valid) {
    listener_->on_book_state(book.instrument.symbol, false, std::string(reason));
  }
}

void DataStream::on_public_open() {
  if (listener_ == nullptr) return;
  logger_.info("binance_public_stream_open", {});
  for (std::size_t i = 0; i < books_.size(); ++i) {
    Book& book = books_[i];
    book.sync->reset();
    book.health->on_reconnect();
    ++book.generation;
    book.snapshot_pending = false;
    book.attempts = 0;
    announce_invalid(book, "reconnect");
    request_snapshot(book, std::chrono::milliseconds(0));
  }
}

void DataStream::on_public_close(const net::WsCloseInfo& info) {
  if (listener_ == nullptr) return;  // stopped: a deliberate close
  logger_.warn("binance_public_stream_closed", {{"reason", info.reason}, {"will_reconnect", info.will_reconnect}});
  for (auto& book : books_) {
    ++book.generation;  // a snapshot in flight belongs to the old connection
    book.snapshot_pending = false;
    book.sync->reset();
    announce_invalid(book, "disconnected");
  }
}

DataStream::Book* DataStream::book_for_stream(std::string_view stream_symbol) {
  for (auto& book : books_) {
    if (book.instrument.stream_symbol == stream_symbol) return &book;
  }
  return nullptr;
}

void DataStream::on_public_message(std::string_view text) {
  if (listener_ == nullptr) return;
  const std::string_view stream = stream_name(text);
  const auto at = stream.find('@');
  if (at == std::string_view::npos) return;  // subscription replies, raw frames we did not ask for
  Book* book = book_for_stream(stream.substr(0, at));
  if (book == nullptr) return;
  const MonoTime now = clock_.now();
  book->health->on_message(now);
  if (stream.substr(at).starts_with("@depth")) {
    handle_outcome(*book, book->sync->on_update_frame(text, now), false);
  }
}

void DataStream::handle_outcome(Book& book, md::SyncOutcome outcome, bool from_snapshot) {
  // A snapshot alone does not make a feed fresh: only a book the stream keeps live does
  // (a connected but silent stream must show stale).
  if (!from_snapshot || book.sync->state() == md::BookSyncState::live) book.health->on_outcome(outcome, clock_.now());
  if (outcome.result == md::SyncResult::needs_resync) {
    logger_.warn("binance_book_resync", {{"symbol", book.instrument.symbol},
                                         {"reason", md::to_string(outcome.reason)},
                                         {"detail", book.sync->last_error()}});
    announce_invalid(book, md::to_string(outcome.reason));
    if (!book.snapshot_pending) request_snapshot(book, std::chrono::milliseconds(0));
    return;
  }
  if (book.sync->state() != md::BookSyncState::live) return;
  if (!book.announced_valid) {
    book.announced_valid = true;
    book.attempts = 0;
    listener_->on_book_state(book.instrument.symbol, true, "resynced");
  }
  if (outcome.result == md::SyncResult::applied) listener_->on_book(book.sync->book());
}

void DataStream::request_snapshot(Book& book, std::chrono::milliseconds delay) {
  book.snapshot_pending = true;
  const std::size_t index = static_cast<std::size_t>(&book - books_.data());
  const std::uint64_t generation = book.generation;
  std::weak_ptr<bool> alive = alive_;
  rest_.call_after(delay, [this, alive, index, generation] {
    if (!alive.expired()) fetch_snapshot(index, generation);
  });
}

void DataStream::fetch_snapshot(std::size_t index, std::uint64_t generation) {
  if (listener_ == nullptr || books_[index].generation != generation) return;
  Book& book = books_[index];
  ++book.attempts;
  ++snapshots_requested_;
  Endpoint endpoint = endpoints::kDepth;
  endpoint.weight = depth_weight(options_.depth_limit);
  std::weak_ptr<bool> alive = alive_;
  rest_.send(endpoint,
             {{"symbol", book.instrument.venue_symbol}, {"limit", std::to_string(options_.depth_limit)}},
             [this, alive, index, generation](VenueResult<std::string> reply) {
               if (alive.expired() || listener_ == nullptr) return;
               Book& b = books_[index];
               if (b.generation != generation) return;  // reset meanwhile: a new request is under way
               if (!reply) {
                 logger_.warn("binance_snapshot_failed",
                              {{"symbol", b.instrument.symbol}, {"error", reply.error().describe()}});
                 snapshot_failed(b, reply.error().retry_after.value_or(std::chrono::milliseconds(0)));
                 return;
               }
               b.snapshot_pending = false;
               const auto outcome = b.sync->on_snapshot_frame(reply.value(), clock_.now());
               if (outcome.result == md::SyncResult::needs_resync) {
                 b.health->on_outcome(outcome, clock_.now());
                 logger_.warn("binance_snapshot_rejected", {{"symbol", b.instrument.symbol},
                                                            {"reason", md::to_string(outcome.reason)},
                                                            {"detail", b.sync->last_error()}});
                 announce_invalid(b, md::to_string(outcome.reason));
                 snapshot_failed(b, std::chrono::milliseconds(0));
                 return;
               }
               handle_outcome(b, outcome, true);
             });
}

void DataStream::snapshot_failed(Book& book, std::chrono::milliseconds at_least) {
  if (book.attempts >= options_.snapshot_max_attempts) {
    book.snapshot_pending = false;
    logger_.error("binance_snapshot_gave_up",
                  {{"symbol", book.instrument.symbol}, {"attempts", static_cast<std::int64_t>(book.attempts)}});
    return;
  }
  auto delay = options_.snapshot_retry_initial;
  for (int i = 1; i < book.attempts && delay < options_.snapshot_retry_max; ++i) delay *= 2;
  delay = std::min(delay, options_.snapshot_retry_max);
  request_snapshot(book, std::max(delay, at_least));
}

void DataStream::on_market_message(std::string_view text) {
  if (listener_ == nullptr) return;
  const std::string_view stream = stream_name(text);
  if (stream.find("@markPrice") == std::string_view::npos) return;
  auto document = parse_json(text);
  if (!document) return;
  auto info = parse_mark_price(document.value());
  if (!info) {
    logger_.warn("binance_mark_price_unreadable", {{"error", info.error().message}});
    return;
  }
  listener_->on_funding(info.value());
}

std::vector<md::FeedHealthView> DataStream::feed_health() const {
  std::vector<md::FeedHealthView> views;
  const MonoTime now = clock_.now();
  for (const auto& book : books_) views.push_back(book.health->view(now));
  return views;
}

md::BookSyncState DataStream::book_state(const std::string& symbol) const {
  for (const auto& book : books_) {
    if (book.instrument.symbol == symbol) return book.sync->state();
  }
  return md::BookSyncState::invalid;
}

}  // namespace propbot::venues::binance
