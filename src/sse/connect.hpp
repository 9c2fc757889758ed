// Starting a non-blocking TCP connection for the SSE engine's loops (subscribers, publisher).
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "http/url.hpp"

namespace perfgate::sse {

// A socket connecting to `address` (TCP_NODELAY), registered with `epoll_fd` for EPOLLIN and
// EPOLLOUT with `tag`; the connect completes (or fails: SO_ERROR) when it is writable. Returns
// -1 with errno set when it failed at once.
inline int start_connect(const http::ResolvedAddress& address, int epoll_fd, void* tag) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 && errno != EINPROGRESS) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = tag;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

}  // namespace perfgate::sse
