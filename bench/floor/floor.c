/*
 * The syscall floor: the least an HTTP/1.1 keep-alive server can do per request.
 *
 * One thread, level-triggered epoll. For every readable connection: one read(),
 * count the "\r\n\r\n" sequences in it (one per request, no parsing, no request
 * bodies), and one write() of that many canned responses with a 13-byte body.
 * No allocation per request, no timers, no Date header. Whatever a real server
 * spends per request above this is what its features cost.
 *
 * Usage: floor PORT   (0 = any free port). Prints "READY <port>" once listening.
 * Listens on 127.0.0.1 only. SIGTERM ends it (the default action).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define READ_BUF 65536
#define MAX_FDS 65536

static const char RESPONSE[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, World!";
#define RESPONSE_LEN (sizeof(RESPONSE) - 1)
/* Responses written at once; a read of 64 KiB holds at most 64 KiB / 4 B requests. */
#define MAX_BATCH (READ_BUF / 4)

/* Per fd: how many bytes of "\r\n\r\n" the previous read ended with (0-3). */
static unsigned char partial[MAX_FDS];
static char out[MAX_BATCH * RESPONSE_LEN];

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* Counts "\r\n\r\n" in buf, continuing a match of *state bytes from the last read. */
static size_t count_heads(const char *buf, size_t len, unsigned char *state) {
  static const char END[4] = {'\r', '\n', '\r', '\n'};
  size_t n = 0;
  unsigned s = *state;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (c == END[s]) {
      if (++s == 4) {
        n++;
        s = 0;
      }
    } else {
      s = (c == '\r') ? 1 : 0;
    }
  }
  *state = (unsigned char)s;
  return n;
}

static void close_conn(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  if (fd < MAX_FDS) partial[fd] = 0;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  for (size_t i = 0; i < MAX_BATCH; i++) memcpy(out + i * RESPONSE_LEN, RESPONSE, RESPONSE_LEN);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (lfd < 0) die("socket");
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(lfd, 511) < 0) die("listen");
  socklen_t alen = sizeof addr;
  if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname");

  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl");

  printf("READY %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  static char buf[READ_BUF];
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        /* Level-triggered: accept one per event; a backlog keeps the listener readable. */
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) continue;
        if (c >= MAX_FDS) {
          close(c);
          continue;
        }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0) close(c);
        continue;
      }
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        close_conn(ep, fd);
        continue;
      }
      size_t heads = count_heads(buf, (size_t)r, &partial[fd]);
      if (heads == 0) continue;
      /* One write; a short write just drops the rest (the floor never queues output). */
      ssize_t w = write(fd, out, heads * RESPONSE_LEN);
      if (w < 0 && errno != EAGAIN) close_conn(ep, fd);
    }
  }
}
