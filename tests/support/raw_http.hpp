// Test support for the callback tests: a blocking HTTP/1.1 exchange over a raw socket, so a
// test says exactly what a service sends to the callback listener (keep-alive or one-shot).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace perfgate::testing {

class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Sends `request` and reads one response with a Content-Length body (or until the close);
  // "" when nothing came.
  std::string exchange(std::string_view request) {
    while (!request.empty()) {
      ssize_t n = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
      if (n <= 0) return "";
      request.remove_prefix(static_cast<std::size_t>(n));
    }
    return read_response();
  }

  std::string read_response() {
    while (true) {
      auto end = buffered_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        auto at = buffered_.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(buffered_.substr(at + 16));
        if (buffered_.size() >= end + 4 + length) {
          std::string response = buffered_.substr(0, end + 4 + length);
          buffered_.erase(0, end + 4 + length);
          return response;
        }
      }
      char chunk[4096];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) {
        std::string rest = buffered_;
        buffered_.clear();
        return rest;
      }
      buffered_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Whether the peer closed the connection (a read returns 0 within the receive timeout).
  bool closed_by_peer() {
    char byte;
    return ::read(fd_, &byte, 1) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffered_;
};

// "POST /callback HTTP/1.1" with a JSON body `{"id": "ID"}` (or `body` as given).
inline std::string callback_request(std::string_view body, std::string_view extra_headers = "",
                                    std::string_view target = "/callback") {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

}  // namespace perfgate::testing
