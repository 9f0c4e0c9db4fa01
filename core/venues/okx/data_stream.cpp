#include "core/venues/okx/data_stream.hpp"

#include "core/common/json_util.hpp"
#include "core/net/url.hpp"
#include "core/venues/okx/parse.hpp"

namespace propbot::venues::okx {

std::string_view find_string_field(std::string_view text, std::string_view key) {
  std::string pattern;
  pattern.reserve(key.size() + 4);
  pattern += '"';
  pattern += key;
  pattern += "\":\"";
  const auto at = text.find(pattern);
  if (at == std::string_view::npos) return {};
  const auto start = at + pattern.size();
  const auto end = text.find('"', start);
  if (end == std::string_view::npos) return {};
  return text.substr(start, end - start);
}

DataStream::DataStream(boost::asio::io_context& io, const Clock& clock, std::vector<OkxInstrument> instruments,
                       DataStreamOptions options, Logger logger)
    : io_(io), clock_(clock), options_(std::move(options)), logger_(std::move(logger)) {
  books_.reserve(instruments.size());
  for (auto& instrument : instruments) {
    Book book;
    book.funding.symbol = instrument.symbol;
    book.instrument = std::move(instrument);
    books_.push_back(std::move(book));
  }
}

DataStream::~DataStream() { stop(); }

Status DataStream::start(MarketDataListener& listener) {
  auto url = net::parse_url(options_.ws_public_url);
  if (!url) return url.error();
  for (auto& book : books_) {
    // The book parser's lot is lotSz in CONTRACTS; the spec's lot_size is lotSz × ctVal base.
    auto grid = md::LevelGrid::create(book.instrument.tick_size, book.instrument.lot_size);
    if (!grid) return grid.error();
    book.sync = std::make_unique<md::OkxBookSync>(book.instrument.spec, grid.value());
    md::FeedHealthConfig health_config;
    health_config.stale_after = options_.stale_after;
    book.health = std::make_unique<md::FeedHealth>(options_.venue_id, book.instrument.symbol, health_config);
  }
  net::WsClientOptions ws_options;
  ws_options.scheme = url->scheme;
  ws_options.host = url->host;
  ws_options.port = url->port;
  ws_options.tls = options_.tls;
  ws_options.ping_text = "ping";
  ws_options.pong_text = "pong";
  ws_options.ping_interval = options_.ping_interval;
  ws_options.pong_timeout = options_.pong_timeout;
  ws_options.reconnect = options_.reconnect;
  ws_options.max_message_bytes = 8 << 20;
  ws_options.log = [logger = logger_](std::string_view line) { logger.debug("okx_public_ws", {{"line", line}}); };
  net::WsCallbacks callbacks;
  callbacks.on_open = [this] { on_open(); };
  callbacks.on_message = [this](std::string_view text) {
    if (options_.raw_tap) options_.raw_tap(RawChannel::market_ws, text);
    on_message(text);
  };
  callbacks.on_close = [this](const net::WsCloseInfo& info) { on_close(info); };
  auto ws = net::WsClient::create(io_, std::move(ws_options), std::move(callbacks));
  if (!ws) return ws.error();
  ws_ = std::move(ws.value());
  listener_ = &listener;
  return ws_->connect(url->target);
}

void DataStream::stop() {
  listener_ = nullptr;
  if (ws_) {
    ws_->close();
    ws_.reset();
  }
}

std::string DataStream::channel_arg(std::string_view channel, const std::string& inst_id) const {
  std::string arg = "{\"channel\":";
  append_json_string(arg, channel);
  arg += ",\"instId\":";
  append_json_string(arg, inst_id);
  arg += '}';
  return arg;
}

void DataStream::on_open() {
  std::string args;
  for (auto& book : books_) {
    if (book.announced_valid) announce_invalid(book, "reconnect");
    book.sync->reset();
    book.health->on_reconnect();
    const std::vector<std::string_view> channels =
        options_.funding ? std::vector<std::string_view>{options_.books_channel, "mark-price", "funding-rate"}
                         : std::vector<std::string_view>{options_.books_channel};
    for (auto channel : channels) {
      if (!args.empty()) args += ',';
      args += channel_arg(channel, book.instrument.inst_id);
    }
  }
  logger_.info("okx_public_connected", {{"books", static_cast<std::int64_t>(books_.size())}});
  if (!args.empty()) (void)ws_->send("{\"op\":\"subscribe\",\"args\":[" + args + "]}");
}

void DataStream::on_close(const net::WsCloseInfo& info) {
  logger_.warn("okx_public_disconnected", {{"reason", info.reason}, {"will_reconnect", info.will_reconnect}});
  for (auto& book : books_) {
    if (book.announced_valid) announce_invalid(book, "disconnected");
    book.sync->reset();
  }
}

DataStream::Book* DataStream::book_for(std::string_view inst_id) {
  for (auto& book : books_) {
    if (book.instrument.inst_id == inst_id) return &book;
  }
  return nullptr;
}

void DataStream::on_event(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return;
  const std::string event = parsed->value("event", "");
  if (event == "error") {
    logger_.error("okx_public_ws_error", {{"code", parsed->value("code", "")}, {"message", parsed->value("msg", "")}});
  } else if (event == "notice") {
    logger_.warn("okx_public_ws_notice", {{"code", parsed->value("code", "")}, {"message", parsed->value("msg", "")}});
  }
}

void DataStream::on_message(std::string_view text) {
  if (listener_ == nullptr) return;
  if (text.find("\"event\":") != std::string_view::npos && text.find("\"data\":") == std::string_view::npos) {
    on_event(text);
    return;
  }
  const std::string_view channel = find_string_field(text, "channel");
  const std::string_view inst_id = find_string_field(text, "instId");
  Book* book = book_for(inst_id);
  if (book == nullptr) return;
  const MonoTime now = clock_.now();
  if (channel == options_.books_channel) {
    book->health->on_message(now);
    handle_outcome(*book, book->sync->on_frame(text, now));
    return;
  }
  if (channel == "mark-price" || channel == "funding-rate") {
    auto parsed = parse_json(text);
    if (!parsed) return;
    if (auto merged = merge_funding(parsed.value(), book->funding); !merged) {
      logger_.warn("okx_funding_parse_error", {{"symbol", book->instrument.symbol}, {"error", merged.error().message}});
      return;
    }
    // Mark price and funding rate come on two channels; report only once both are in,
    // so a listener never sees a funding rate of zero that only means "not yet known".
    if (book->funding.next_funding_time == UtcTime{} || book->funding.mark_price.is_zero()) return;
    listener_->on_funding(book->funding);
  }
}

void DataStream::handle_outcome(Book& book, md::SyncOutcome outcome) {
  const MonoTime now = clock_.now();
  book.health->on_outcome(outcome, now);
  switch (outcome.result) {
    case md::SyncResult::applied:
      if (book.sync->state() != md::BookSyncState::live) return;
      if (!book.announced_valid) {
        book.announced_valid = true;
        listener_->on_book_state(book.instrument.symbol, true, "resynced");
        if (listener_ == nullptr) return;
      }
      listener_->on_book(book.sync->book());
      return;
    case md::SyncResult::needs_resync:
      logger_.warn("okx_book_resync", {{"symbol", book.instrument.symbol},
                                       {"reason", md::to_string(outcome.reason)},
                                       {"detail", book.sync->last_error()}});
      announce_invalid(book, md::to_string(outcome.reason), true);
      resubscribe(book);
      return;
    case md::SyncResult::buffered:
    case md::SyncResult::ignored_stale:
      return;
  }
}

void DataStream::announce_invalid(Book& book, std::string_view reason, bool always) {
  const bool was_valid = book.announced_valid;
  book.announced_valid = false;
  if (listener_ != nullptr && (was_valid || always)) {
    listener_->on_book_state(book.instrument.symbol, false, std::string(reason));
  }
}

void DataStream::resubscribe(Book& book) {
  if (!ws_) return;
  ++resubscribes_;
  const std::string arg = channel_arg(options_.books_channel, book.instrument.inst_id);
  (void)ws_->send("{\"op\":\"unsubscribe\",\"args\":[" + arg + "]}");
  (void)ws_->send("{\"op\":\"subscribe\",\"args\":[" + arg + "]}");
}

std::vector<md::FeedHealthView> DataStream::feed_health() const {
  std::vector<md::FeedHealthView> views;
  for (const auto& book : books_) {
    if (book.health) views.push_back(book.health->view(clock_.now()));
  }
  return views;
}

const md::FeedHealth* DataStream::feed_health(const std::string& symbol) const {
  for (const auto& book : books_) {
    if (book.instrument.symbol == symbol) return book.health.get();
  }
  return nullptr;
}

md::BookSyncState DataStream::book_state(const std::string& symbol) const {
  for (const auto& book : books_) {
    if (book.instrument.symbol == symbol && book.sync) return book.sync->state();
  }
  return md::BookSyncState::invalid;
}

std::uint64_t DataStream::connections_opened() const { return ws_ ? ws_->connections_opened() : 0; }

}  // namespace propbot::venues::okx
