// Reading side of the connection state machine: parse, dispatch to JS,
// timeouts, closing. The writing side is in writer.cc.
#include "conn/connection.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bridge/messages.h"

namespace brigade::conn {

using bridge::RequestMsg;
using http::ParseResult;

Connection::Connection(IoContext& ctx, int fd, uint32_t id, const PeerAddress& peer)
    : ctx_(ctx), fd_(fd), id_(id), peer_(peer) {
  read_timer.owner = this;
  write_timer.owner = this;
  set_state(State::kIdle);
  // A fresh connection must send its first request within the header timeout.
  head_started_ms_ = ctx_.now_ms;
  ctx_.header_q.arm(&read_timer, ctx_.now_ms);
}

Connection::~Connection() {
  poll::TimerQueue::unlink(&read_timer);
  poll::TimerQueue::unlink(&write_timer);
  if (fd_ >= 0) ::close(fd_);
  inbuf_.clear();
  input_changed();
}

http::RequestParser& Connection::parser() {
  if (!parser_) {
    parser_ = ctx_.parsers.take([this] { return std::make_unique<http::RequestParser>(ctx_.config->limits); });
  }
  return *parser_;
}

void Connection::release_parser() {
  if (!parser_) return;
  parser_->reset();
  ctx_.parsers.give(std::move(parser_));
}

void Connection::input_changed() {
  if (inbuf_.empty() && inbuf_.capacity() != 0) std::vector<char>().swap(inbuf_);
  const uint64_t now = inbuf_.capacity();
  if (now == inbuf_counted_) return;
  if (now > inbuf_counted_) {
    ctx_.stats->input_buffered.fetch_add(now - inbuf_counted_, std::memory_order_relaxed);
  } else {
    ctx_.stats->input_buffered.fetch_sub(inbuf_counted_ - now, std::memory_order_relaxed);
  }
  inbuf_counted_ = now;
}

void Connection::release_idle_storage() {
  if (out_.empty() && out_.has_storage()) ctx_.out_storage.give(out_.take_storage());
  if (parked_.empty() && parked_.capacity() != 0) std::vector<Parked>().swap(parked_);
  if (!head_pending_dispatch_ && state_ != State::kHead) release_parser();
  input_changed();
}

void Connection::set_state(State s) {
  // The status scoreboard's states: reading a head or body (or waiting for the
  // first request), writing (a response is owed: the handler runs or bytes are
  // queued), keep-alive (idle after a response), lingering.
  auto gauge = [this](State st) -> std::atomic<uint64_t>* {
    const bool owed = next_seq_ != requests_done_;
    switch (st) {
      case State::kHead:
      case State::kBody: return &ctx_.stats->reading;
      case State::kIdle:
        if (owed) return &ctx_.stats->writing;
        return requests_done_ > 0 ? &ctx_.stats->keepalive : &ctx_.stats->reading;
      case State::kNoMore: return owed ? &ctx_.stats->writing : nullptr;
      case State::kLingering: return &ctx_.stats->lingering;
      default: return nullptr;
    }
  };
  // Give back to the gauge that was counted, not the one the state maps to now:
  // kIdle's gauge depends on requests_done_, which changes in between.
  state_ = s;
  std::atomic<uint64_t>* g = gauge(s);
  if (g == stat_gauge_) return;  // re-evaluation without a change costs no atomics
  if (stat_gauge_) stat_gauge_->fetch_sub(1, std::memory_order_relaxed);
  stat_gauge_ = g;
  if (stat_gauge_) stat_gauge_->fetch_add(1, std::memory_order_relaxed);
}

bool Connection::idle() const {
  return (state_ == State::kIdle || state_ == State::kNoMore) && inbuf_.empty() &&
         next_seq_ == requests_done_ && out_.empty() && parked_.empty();
}

bool Connection::can_take_request() const {
  const ServerConfig& c = *ctx_.config;
  return next_seq_ - requests_done_ < c.max_pipelined && unsent_mem_bytes_ < c.max_unsent_bytes;
}

void Connection::mark_runnable() {
  if (!in_runnable) {
    in_runnable = true;
    ctx_.runnable.push_back(this);
  }
}

// Chooses the read timer for the current state (without restarting a window
// that is already running in the right queue).
void Connection::arm_read_timer() {
  poll::TimerQueue* target = nullptr;
  switch (state_) {
    case State::kHead: target = &ctx_.header_q; break;
    case State::kBody: target = &ctx_.body_q; break;
    case State::kIdle:
      if (next_seq_ == requests_done_ && out_.empty() && parked_.empty())
        target = requests_done_ > 0 ? &ctx_.keepalive_q : &ctx_.header_q;
      break;
    default: break;
  }
  if (target == nullptr) {
    poll::TimerQueue::unlink(&read_timer);
  } else if (read_timer.queue != target) {
    window_bytes_ = 0;
    if (target == &ctx_.header_q) head_started_ms_ = ctx_.now_ms;
    target->arm(&read_timer, ctx_.now_ms);
  }
}

// Drops the n bytes process() consumed from the front of inbuf_. process() may
// have cleared inbuf_ itself (error response, lingering close): never erase
// past its end.
static void consume_front(std::vector<char>& v, size_t n) {
  v.erase(v.begin(), v.begin() + static_cast<ptrdiff_t>(std::min(n, v.size())));
}

void Connection::on_readable(uint32_t ready) {
  if (state_ == State::kClosed) return;
  // A short read drained the socket unless the peer also closed (RDHUP/HUP
  // arrives on the same edge): only then must we read on until EOF/EAGAIN.
  read_loop((ready & (poll::kHangup | poll::kError)) != 0);
  // A TLS write that had to read first (renegotiation is refused, but a key
  // update or alert may sit in front) can go on now.
  if (transport_ && transport_->write_wants_read() && state_ != State::kClosed && !out_.empty()) flush();
}

ssize_t Connection::io_read(char* buf, size_t len) {
  return transport_ ? transport_->read(fd_, buf, len) : ::read(fd_, buf, len);
}

void Connection::on_runnable() {
  in_runnable = false;
  if (state_ == State::kClosed) return;
  if (!inbuf_.empty() && state_ != State::kLingering && state_ != State::kNoMore) {
    size_t c = process(inbuf_.data(), inbuf_.size());
    if (state_ == State::kClosed) return;
    consume_front(inbuf_, c);
    input_changed();
    // EOF came while these bytes waited for ring space, and they did not finish the body.
    if (peer_eof_ && state_ == State::kBody && inbuf_.empty()) {
      abort("eof in body");
      return;
    }
  }
  if (!out_.empty()) flush();
  if (state_ == State::kClosed) return;
  if (read_pending_) {
    read_pending_ = false;
    read_loop(true);
  }
  if (state_ != State::kClosed) arm_read_timer();
}

void Connection::read_loop(bool until_eagain) {
  for (int turn = 0; turn < 16; ++turn) {
    if (state_ == State::kClosed) return;
    if (state_ == State::kLingering) {
      // Discard input until EOF so closing never turns unread bytes into an RST.
      char* scratch = ctx_.read_buf.data();
      if (scratch == nullptr) {
        finish_close();
        return;
      }
      ssize_t n = ::read(fd_, scratch, ctx_.read_buf.size());
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      finish_close();
      return;
    }
    if (peer_eof_ || state_ == State::kNoMore) {
      // Not reading requests any more; leave bytes in the kernel (backpressure).
      return;
    }
    // The pipelining and unsent-output limits hold back new requests, not the
    // body of one already dispatched: its handler may wait for that body
    // before it answers (with maxPipelined 1 the body would never be read).
    if ((state_ != State::kBody && !can_take_request()) || head_pending_dispatch_) {
      read_pending_ = true;
      return;
    }
    // Input held by the connection never exceeds max_input_buffer: a read
    // never brings more than the room left (what a read into the shared
    // buffer leaves unconsumed is copied into inbuf_), and a full inbuf_
    // stops reading — the rest waits in the kernel (TCP backpressure).
    const size_t input_cap = ctx_.config->input_cap();
    const bool into_inbuf = !inbuf_.empty();
    char* dst;
    size_t cap;
    size_t old = inbuf_.size();
    if (into_inbuf) {
      if (old >= input_cap) {
        read_pending_ = true;  // resumed when process() consumes from inbuf_
        return;
      }
      cap = std::min<size_t>(16384, input_cap - old);
      // Grow geometrically, but never past the cap (the gauge counts capacity).
      if (inbuf_.capacity() < old + cap) inbuf_.reserve(std::min(input_cap, std::max(old + cap, inbuf_.capacity() * 2)));
      inbuf_.resize(old + cap);
      dst = inbuf_.data() + old;
    } else {
      dst = ctx_.read_buf.data();
      if (dst == nullptr) {
        abort("out of memory");
        return;
      }
      cap = std::min(ctx_.read_buf.size(), input_cap);
    }
    if (transport_ && !transport_->established()) {
      // Handshakes are expensive: a bounded number per turn, so a flood of
      // new connections cannot starve established ones.
      if (ctx_.handshake_budget == 0) {
        read_pending_ = true;
        mark_runnable();
        if (into_inbuf) inbuf_.resize(old);
        return;
      }
      --ctx_.handshake_budget;
    }
    ssize_t n = io_read(dst, cap);
    // Keep only what was read: the spare room must never be parsed as input.
    if (into_inbuf) inbuf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n > 0) {
      window_bytes_ += static_cast<uint64_t>(n);
      if (into_inbuf) {
        size_t c = process(inbuf_.data(), inbuf_.size());
        if (state_ == State::kClosed) return;
        consume_front(inbuf_, c);
      } else {
        size_t c = process(dst, static_cast<size_t>(n));
        if (state_ == State::kClosed) return;
        if (c < static_cast<size_t>(n)) inbuf_.assign(dst + c, dst + n);
      }
      input_changed();
      arm_read_timer();
      // Edge-triggered: a short read means the socket is drained and new data
      // (or a FIN) raises a new edge — unless this edge already reported the
      // FIN, which would then never be seen again.
      if (!until_eagain && static_cast<size_t>(n) < cap) return;
      continue;
    }
    if (into_inbuf) input_changed();
    if (n == 0) {
      peer_eof_ = true;
      if (state_ == State::kBody && inbuf_.empty()) {
        // The request can never be complete: its handler must learn it now.
        abort("eof in body");
        return;
      }
      if (state_ == State::kHead || state_ == State::kBody || next_seq_ == requests_done_) {
        // Nothing (complete) to answer: a partial request or an idle connection.
        if (out_.empty() && parked_.empty() && next_seq_ == requests_done_) {
          finish_close();
        } else {
          close_after_output_ = true;
        }
      } else {
        close_after_output_ = true;  // half-close after full requests: answer, then close
      }
      return;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (transport_ && transport_->read_wants_write()) {
        read_after_write_ = true;  // e.g. a handshake flight larger than the socket buffer
        set_want_write(true);
      }
      return;
    }
    if (errno == EINTR) continue;
    abort("read error");
    return;
  }
  read_pending_ = true;  // budget used up: give other connections a turn
  mark_runnable();
}

size_t Connection::process(const char* buf, size_t len) {
  const size_t used = parse_and_dispatch(buf, len);
  // Between requests the parser goes back to the loop's pool.
  if (!head_pending_dispatch_ && state_ != State::kHead) release_parser();
  return used;
}

size_t Connection::parse_and_dispatch(const char* buf, size_t len) {
  size_t consumed = 0;
  while (consumed < len) {
    if (state_ == State::kIdle || state_ == State::kHead) {
      if (!can_take_request()) {
        read_pending_ = true;
        break;
      }
      if (!head_pending_dispatch_) {
        ParseResult r = parser().parse(buf + consumed, len - consumed);
        if (r == ParseResult::kNeedMore) {
          if (state_ == State::kIdle) {
            set_state(State::kHead);
            head_started_ms_ = ctx_.now_ms;  // header_total_ms counts from a head's first bytes
          }
          break;
        }
        if (r == ParseResult::kError) {
          error_and_close(parser_->error_status());
          return len;
        }
        head_pending_dispatch_ = true;
      }
      size_t used = 0;
      if (!dispatch_head(buf + consumed, len - consumed, &used)) break;  // ring full: retried later
      consumed += used;
      continue;
    }
    if (state_ == State::kBody) {
      size_t used = 0;
      bool ok = forward_body(buf + consumed, len - consumed, &used);
      consumed += used;
      if (state_ == State::kClosed || state_ == State::kNoMore) return len;
      if (!ok) break;
      continue;
    }
    // kNoMore / kLingering / kClosed: input beyond the last request is ignored.
    return len;
  }
  return consumed;
}

static uint8_t* reserve_or_block(IoContext& ctx, Connection* c, uint32_t len) {
  bridge::MessageRing& ring = ctx.lane->requests();
  uint8_t* p = ring.reserve(len);
  if (p) return p;
  // Tell JS we wait for space, then retry once: JS advances the tail before it
  // reads the flag, so either this retry succeeds or JS will wake us.
  ctx.lane->store(bridge::kReqBlocked, 1);
  p = ring.reserve(len);
  if (p) return p;
  ctx.ring_waiters.push_back(c);
  return nullptr;
}

bool Connection::dispatch_head(const char* buf, size_t avail, size_t* used) {
  const http::RequestHead& h = parser_->head();
  const ServerConfig& cfg = *ctx_.config;
  const bool has_body = h.chunked || (h.has_content_length && h.content_length > 0);
  uint32_t inline_len = 0;
  bool body_follows = false;
  const uint32_t table = h.header_count * 16;
  const uint32_t head_msg = static_cast<uint32_t>(sizeof(RequestMsg)) + table + h.head_len;
  // A message larger than the ring's largest would wait for space forever.
  const uint32_t max_msg = ctx_.lane->requests().max_message();
  if (head_msg > max_msg) {
    error_and_close(431);
    *used = avail;
    return true;
  }
  if (has_body) {
    if (!h.chunked && h.content_length <= cfg.inline_body_max && avail - h.head_len >= h.content_length &&
        h.content_length <= max_msg - head_msg) {
      inline_len = static_cast<uint32_t>(h.content_length);
    } else {
      body_follows = true;
    }
  }
  // The last request this connection will read (client asked to close, shutdown,
  // or the keep-alive request cap): JS must answer it with Connection: close.
  const bool last = !h.keep_alive || ctx_.draining ||
                    (cfg.max_keepalive_requests != 0 && next_seq_ + 1 >= cfg.max_keepalive_requests);
  const uint32_t head_len = h.head_len;  // try_static() resets the parser (and so h)
  if (!has_body && cfg.statics && try_static(buf, last)) {
    *used = head_len;
    return true;
  }
  const uint32_t msg_len = head_msg + inline_len;
  uint8_t* p = reserve_or_block(ctx_, this, msg_len);
  if (!p) return false;

  auto* m = reinterpret_cast<RequestMsg*>(p);
  m->len = bridge::align8(msg_len);
  m->type = bridge::kMsgRequest;
  uint8_t flags = 0;
  if (!last) flags |= bridge::kReqKeepAlive;
  if (body_follows) flags |= bridge::kReqBodyFollows;
  if (h.chunked) flags |= bridge::kReqChunked;
  if (h.expect_continue) flags |= bridge::kReqExpectContinue;
  if (transport_) flags |= bridge::kReqSecure;
  m->flags = flags;
  m->method = static_cast<uint8_t>(h.method);
  m->version_minor = h.version_minor;
  const uint32_t seq = next_seq_++;
  m->conn_id = id_;
  m->seq = seq;
  m->head_len = h.head_len;
  m->header_count = h.header_count;
  m->target_off = h.target.off;
  m->target_len = h.target.len;
  m->path_len = h.path.len;
  m->query_off = h.query.off;
  m->query_len = h.query.len;
  m->body_len = inline_len;
  m->content_length = h.chunked ? -1.0 : (h.has_content_length ? static_cast<double>(h.content_length) : 0.0);
  std::memcpy(m->remote_addr, peer_.bytes, sizeof m->remote_addr);
  m->remote_port = peer_.port;
  // Service classes off (the default): one inlined test, no call.
  m->class_index = cfg.classifier.enabled() ? cfg.classifier.classify(h, buf) : http::RequestClassifier::kClassifyInJs;
  m->remote_family = peer_.family;
  m->reserved = 0;
  auto* tbl = reinterpret_cast<uint32_t*>(p + sizeof(RequestMsg));
  for (uint32_t i = 0; i < h.header_count; ++i) {
    tbl[i * 4 + 0] = h.headers[i].name.off;
    tbl[i * 4 + 1] = h.headers[i].name.len;
    tbl[i * 4 + 2] = h.headers[i].value.off;
    tbl[i * 4 + 3] = h.headers[i].value.len;
  }
  std::memcpy(p + sizeof(RequestMsg) + table, buf, h.head_len + inline_len);
  ctx_.stats->requests_total.fetch_add(1, std::memory_order_relaxed);
  head_pending_dispatch_ = false;
  *used = h.head_len + inline_len;

  if (body_follows) {
    body_seq_ = seq;
    if (h.chunked) {
      body_.start_chunked(cfg.max_body);
    } else {
      body_.start_length(h.content_length);
    }
    if (h.expect_continue) {
      OutBucket b;
      b.kind = buckets::BucketKind::kImmortal;
      b.data = reinterpret_cast<const uint8_t*>(http::kContinue100);
      b.len = http::kContinue100Len;
      b.seq = seq;
      add_response_bucket(seq, std::move(b));
    }
    no_more_after_body_ = last;
    set_state(State::kBody);
  } else {
    set_state(last ? State::kNoMore : State::kIdle);
  }
  parser_->reset();  // the head is in the ring now; the next request starts fresh
  return true;
}

// The native static fast path (native/static/): a GET/HEAD for a file of an
// eligible mount is answered here, in this loop, without a trip to JS. The
// response takes its turn in the output queue like any other.
bool Connection::try_static(const char* buf, bool last) {
  if (!ctx_.statics) ctx_.statics = ctx_.config->statics->make_loop();
  statics::StaticRequest rq;
  rq.buf = buf;
  rq.head = &parser_->head();
  rq.last = last;
  rq.now_ms = ctx_.now_ms;
  rq.date_line = &ctx_.date.line();
  statics::StaticAnswer a;
  if (!ctx_.statics->answer(rq, &a)) return false;
  const uint32_t seq = next_seq_++;
  ctx_.stats->requests_total.fetch_add(1, std::memory_order_relaxed);
  ctx_.stats->static_fast_hits.fetch_add(1, std::memory_order_relaxed);
  queue_native(std::move(a.head), seq, false, false);
  if (a.fd >= 0 && a.length > 0) {
    OutBucket f;
    f.kind = buckets::BucketKind::kFile;
    f.fd = a.fd;
    f.file_off = a.offset;
    f.len = a.length;
    f.file_ref = std::move(a.file_ref);  // the cache's descriptor stays open while this is queued
    add_response_bucket(seq, std::move(f));
  }
  OutBucket e;
  e.kind = buckets::BucketKind::kEor;
  e.close_after = a.close;
  add_response_bucket(seq, std::move(e));
  head_pending_dispatch_ = false;
  parser_.reset();
  set_state(last ? State::kNoMore : State::kIdle);
  return true;
}

bool Connection::forward_body(const char* buf, size_t len, size_t* used) {
  *used = 0;
  // At most 64 KiB per message, and never more than the ring's largest message.
  const size_t take = std::min<size_t>(
      len, std::min<size_t>(64 * 1024, ctx_.lane->requests().max_message() - sizeof(bridge::BodyMsg)));
  uint8_t* p = reserve_or_block(ctx_, this, static_cast<uint32_t>(sizeof(bridge::BodyMsg) + take));
  if (!p) return false;
  http::BodySpan spans[32];
  uint32_t nspans = 0;
  size_t consumed = 0;
  http::BodyResult r = body_.decode(buf, take, spans, 32, &nspans, &consumed);
  if (r == http::BodyResult::kError) {
    ctx_.lane->requests().shrink_last(p, 0);
    fail_body(body_.error_status());
    *used = len;
    return false;
  }
  auto* m = reinterpret_cast<bridge::BodyMsg*>(p);
  uint8_t* dst = p + sizeof(bridge::BodyMsg);
  uint32_t total = 0;
  for (uint32_t i = 0; i < nspans; ++i) {
    std::memcpy(dst + total, buf + spans[i].off, spans[i].len);
    total += spans[i].len;
  }
  const bool done = r == http::BodyResult::kDone;
  if (total == 0 && !done) {
    ctx_.lane->requests().shrink_last(p, 0);  // framing only: nothing to tell JS yet
  } else {
    const uint32_t mlen = static_cast<uint32_t>(sizeof(bridge::BodyMsg)) + total;
    ctx_.lane->requests().shrink_last(p, mlen);
    m->len = bridge::align8(mlen);
    m->type = bridge::kMsgBody;
    m->flags = done ? bridge::kBodyLast : 0;
    m->aux = 0;
    m->conn_id = id_;
    m->seq = body_seq_;
    m->data_len = total;
    m->reserved = 0;
  }
  *used = consumed;
  if (done) {
    set_state(no_more_after_body_ ? State::kNoMore : State::kIdle);
    // The response may be written already (JS answered before the body
    // ended): then nothing else runs the end-of-output handling, and a
    // connection that reads no more requests would never close. flush() does.
    if ((state_ == State::kNoMore || close_after_output_) && !in_dirty) {
      in_dirty = true;
      ctx_.dirty.push_back(this);
    }
  }
  return consumed > 0 || done;
}

// The body of request body_seq_ failed (malformed, too large, too slow). That
// request is JS's already: JS answers it with `status` (or cuts off a response
// that started), so no native error page, which would arrive as an extra
// response after the handler's. Read nothing more; close once output is done.
void Connection::fail_body(uint16_t status) {
  ctx_.stats->errors_total.fetch_add(1, std::memory_order_relaxed);
  ctx_.lane->push_event(bridge::kMsgBodyError, id_, body_seq_, 0, 0, status);
  head_pending_dispatch_ = false;
  inbuf_.clear();
  input_changed();
  read_pending_ = false;
  close_after_output_ = true;
  set_state(State::kNoMore);
  poll::TimerQueue::unlink(&read_timer);
  if (!in_dirty) {  // the response may be written already: flush() closes then
    in_dirty = true;
    ctx_.dirty.push_back(this);
  }
}

void Connection::error_and_close(uint16_t status) {
  ctx_.stats->errors_total.fetch_add(1, std::memory_order_relaxed);
  head_pending_dispatch_ = false;
  inbuf_.clear();
  input_changed();
  read_pending_ = false;
  const uint32_t seq = next_seq_++;  // answered after every earlier response
  set_state(State::kNoMore);
  poll::TimerQueue::unlink(&read_timer);
  queue_native(http::error_response(status, ctx_.date.line()), seq, true, true);
}

void Connection::on_read_timer() {
  const ServerConfig& cfg = *ctx_.config;
  if (state_ == State::kHead || state_ == State::kBody) {
    const uint32_t window = state_ == State::kHead ? cfg.header_timeout_ms : cfg.body_timeout_ms;
    const uint64_t need = static_cast<uint64_t>(cfg.min_rate) * window / 1000;
    // However fast it trickles, a head must be complete within
    // header_total_ms (checked at the end of each window): a client that
    // keeps just above min_rate cannot hold a connection for the whole
    // max_head_bytes (slowloris; nginx's client_header_timeout and Apache's
    // RequestReadTimeout header=20-40 are hard caps too).
    const bool head_over = state_ == State::kHead && ctx_.now_ms - head_started_ms_ >= cfg.header_total_ms;
    if (window_bytes_ >= need && need > 0 && !head_over) {
      // Fast enough in this window: start the next one.
      window_bytes_ = 0;
      (state_ == State::kHead ? ctx_.header_q : ctx_.body_q).arm(&read_timer, ctx_.now_ms);
      return;
    }
    ctx_.stats->timeouts_total.fetch_add(1, std::memory_order_relaxed);
    if (state_ == State::kBody) {
      fail_body(408);
      return;
    }
    error_and_close(408);
    flush();
    return;
  }
  if (state_ == State::kIdle && idle()) {
    // Keep-alive expired, or a fresh connection never sent a byte: close quietly.
    ctx_.stats->timeouts_total.fetch_add(1, std::memory_order_relaxed);
    start_lingering_close();
  }
}

void Connection::begin_drain() {
  if (state_ == State::kClosed || state_ == State::kLingering) return;
  if (idle()) {
    // A request may have arrived since the last read (edge not handled yet):
    // answer it (with Connection: close) instead of discarding it unread.
    int pending = 0;
    if (state_ == State::kIdle && ::ioctl(fd_, FIONREAD, &pending) == 0 && pending > 0) {
      read_pending_ = true;
      mark_runnable();
      return;
    }
    start_lingering_close();
    return;
  }
  close_after_output_ = true;
  if (state_ == State::kIdle && inbuf_.empty()) set_state(State::kNoMore);
}

void Connection::start_lingering_close() {
  if (state_ == State::kClosed || state_ == State::kLingering) return;
  if (transport_) transport_->close_notify(fd_);
  ::shutdown(fd_, SHUT_WR);
  poll::TimerQueue::unlink(&read_timer);
  set_want_write(false);
  set_state(State::kLingering);
  inbuf_.clear();
  release_idle_storage();
  ctx_.linger_q.arm(&write_timer, ctx_.now_ms);
  read_loop(true);  // the peer may already have closed
}

void Connection::abort(const char* /*why*/) {
  if (state_ == State::kClosed) return;
  if (next_seq_ != requests_done_ || !out_.empty())
    ctx_.stats->aborted_total.fetch_add(1, std::memory_order_relaxed);
  finish_close();
}

void Connection::finish_close() {
  if (state_ == State::kClosed) return;
  // Every request JS still works on (or whose response is not fully sent) is aborted.
  if (next_seq_ != requests_done_) ctx_.lane->push_event(bridge::kMsgAbort, id_, requests_done_, 0);
  while (!out_.empty()) {
    release(out_.front(), false);
    out_.pop_front();
  }
  for (auto& p : parked_)
    for (auto& b : p.buckets) release(b, false);
  parked_.clear();
  head_pending_dispatch_ = false;
  inbuf_.clear();
  release_idle_storage();
  poll::TimerQueue::unlink(&read_timer);
  poll::TimerQueue::unlink(&write_timer);
  ctx_.poller->remove(fd_);
  ::close(fd_);
  fd_ = -1;
  set_state(State::kClosed);
  ctx_.closed.push_back(this);
  if (ctx_.statics && ctx_.stats->connections_open.load(std::memory_order_relaxed) <= ctx_.closed.size())
    ctx_.statics->on_loop_idle();
}

}  // namespace brigade::conn
