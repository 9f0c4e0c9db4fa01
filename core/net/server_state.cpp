#include "core/net/server_state.hpp"

#include <algorithm>
#include <cctype>

namespace propbot::net::detail {

std::string endpoint_text(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

HttpRequest to_api_request(const http::request<http::string_body>& request, const std::string& remote_addr) {
  HttpRequest api_request;
  api_request.method = std::string(request.method_string());
  api_request.target = std::string(request.target());
  api_request.remote_addr = remote_addr;
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = api_request.headers.emplace(std::move(name), std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  return api_request;
}

void ServerState::begin_shutdown() {
  stopping.store(true);
  // Outside the lock: a session destroyed here erases itself under the same mutex.
  for (auto& session : live_sessions()) {
    auto executor = session->executor();
    asio::post(executor, [session = std::move(session)] { session->on_server_stop(); });
  }
}

}  // namespace propbot::net::detail
