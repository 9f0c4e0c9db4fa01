#include "core/net/client_key.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace propbot::net {

std::string client_key(std::string_view remote_addr) {
  const std::string text(remote_addr);
  std::array<unsigned char, 16> v6{};
  if (::inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return text;  // IPv4, or not an address
  static constexpr std::array<unsigned char, 12> kV4Mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (std::equal(kV4Mapped.begin(), kV4Mapped.end(), v6.begin())) {
    return ::inet_ntop(AF_INET, v6.data() + 12, out.data(), out.size()) != nullptr ? std::string(out.data()) : text;
  }
  std::fill(v6.begin() + 8, v6.end(), 0);
  if (::inet_ntop(AF_INET6, v6.data(), out.data(), out.size()) == nullptr) return text;
  return std::string(out.data()) + "/64";
}

}  // namespace propbot::net
