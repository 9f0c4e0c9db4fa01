#include "core/net/connection_admission.hpp"

namespace propbot::net::detail {

Admission::Decision Admission::admit(const std::string& key) {
  std::lock_guard lock(mutex_);
  Counts& counts = by_address_[key];
  Decision decision;
  decision.over = regular_ >= max_connections_      ? OverLimit::server
                  : counts.regular >= max_per_address_ ? OverLimit::address
                                                       : OverLimit::none;
  if (decision.over == OverLimit::none) {
    ++regular_;
    ++counts.regular;
    decision.slot.emplace(shared_from_this(), key, SlotKind::regular, OverLimit::none);
  } else if (overflow_ < max_overflow_ && counts.overflow < max_overflow_per_address_) {
    ++overflow_;
    ++counts.overflow;
    decision.slot.emplace(shared_from_this(), key, SlotKind::overflow, decision.over);
  } else if (counts.regular == 0 && counts.overflow == 0) {
    by_address_.erase(key);
  }
  return decision;
}

void Admission::release(const std::string& key, SlotKind kind) {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(key);
  if (it == by_address_.end()) return;
  Counts& counts = it->second;
  if (kind == SlotKind::regular) {
    --regular_;
    --counts.regular;
  } else {
    --overflow_;
    --counts.overflow;
  }
  if (counts.regular == 0 && counts.overflow == 0) by_address_.erase(it);
}

void ConnectionSlot::release() {
  if (!admission_) return;
  admission_->release(key_, kind_);
  admission_.reset();
}

HttpResponse too_many_connections(const HttpServerOptions& options, OverLimit over) {
  HttpResponse response = HttpResponse::error(
      503, "too_many_connections",
      over == OverLimit::address
          ? "the server has reached its limit of " + std::to_string(options.max_connections_per_address) +
                " connections from one address; retry later"
          : "the server has reached its limit of " + std::to_string(options.max_connections) +
                " connections; retry later");
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

std::string canned_response(const HttpResponse& response) {
  std::string wire = "HTTP/1.1 " + std::to_string(response.status) + " Service Unavailable\r\n" +
                     "Server: propbot\r\nContent-Type: " + response.content_type +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) wire += name + ": " + value + "\r\n";
  wire += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
  return wire;
}

}  // namespace propbot::net::detail
