#include "mpm/io_loop.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "bridge/messages.h"
#include "buckets/bucket.h"
#include "conn/peer_address.h"

namespace brigade::mpm {

namespace {
constexpr uint64_t kListenToken = (1ull << 63) | 1;
constexpr uint64_t kWakerToken = (1ull << 63) | 2;
constexpr uint32_t kSlotBits = 20;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
}  // namespace

IoLoop::IoLoop(const conn::ServerConfig& config, int listen_fd, bridge::Lane* lane, uint32_t max_conns,
               size_t read_buf_bytes)
    : config_(config), lane_(lane), listen_fd_(listen_fd), max_conns_(max_conns) {
  ctx_.read_buf.set_capacity(read_buf_bytes);
  ctx_.config = &config_;
  ctx_.lane = lane;
  ctx_.stats = &stats_;
  ctx_.header_q.set_duration(config_.header_timeout_ms);
  ctx_.body_q.set_duration(config_.body_timeout_ms);
  ctx_.keepalive_q.set_duration(config_.keepalive_timeout_ms);
  ctx_.send_q.set_duration(config_.send_timeout_ms);
  ctx_.linger_q.set_duration(config_.linger_ms);
}

IoLoop::~IoLoop() {
  slots_.clear();  // connections unlink their timers before the queues go
  if (poller_ && listening_) poller_->remove(listen_fd_);
}

bool IoLoop::init() {
  poller_ = poll::make_poller();
  if (!poller_ || !waker_.ok()) return false;
  ctx_.poller = poller_.get();
  if (poller_->add(waker_.fd(), poll::kReadable, kWakerToken) != 0) return false;
  ctx_.now_ms = poll::monotonic_ms();
  resume_accept();
  return true;
}

void IoLoop::resume_file_waiters() {
  if (!ctx_.prefetcher) return;
  for (uint32_t id : ctx_.prefetcher->take_ready())
    if (conn::Connection* c = lookup(id)) c->on_file_ready();
}

conn::Connection* IoLoop::lookup(uint32_t id) {
  uint32_t slot = id & kSlotMask;
  if (slot >= slots_.size() || !slots_[slot]) return nullptr;
  if (slots_[slot]->id() != id || slots_[slot]->closed()) return nullptr;
  return slots_[slot].get();
}

int64_t IoLoop::next_timeout_ms() {
  const uint64_t now = poll::monotonic_ms();
  int64_t timeout = -1;
  for (poll::TimerQueue* q : {&ctx_.header_q, &ctx_.body_q, &ctx_.keepalive_q, &ctx_.send_q, &ctx_.linger_q}) {
    int64_t t = q->next_timeout(now);
    if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
  }
  if (!listening_ && accept_resume_ms_ != 0) {
    int64_t t = accept_resume_ms_ > now ? static_cast<int64_t>(accept_resume_ms_ - now) : 0;
    if (timeout < 0 || t < timeout) timeout = t;
  }
  return timeout;
}

bool IoLoop::has_immediate_work() const {
  return !ctx_.runnable.empty() || accept_pending_ || lane_->has_overflow();
}

void IoLoop::turn(int timeout_ms) {
  ctx_.now_ms = poll::monotonic_ms();
  ctx_.handshake_budget = config_.tls ? config_.tls->handshakes_per_turn() : 0;
  int64_t timeout = timeout_ms;
  if (timeout != 0) {
    int64_t t = next_timeout_ms();
    if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
    if (has_immediate_work()) timeout = 0;
  }
  poll::Event events[256];
  int n;
  if (timeout != 0) {
    // Announce sleep, then re-check: JS publishes before it reads kIoSleeping.
    lane_->store(bridge::kIoSleeping, 1);
    if (!lane_->responses().empty()) timeout = 0;
    n = poller_->wait(events, 256, static_cast<int>(timeout));
    lane_->store(bridge::kIoSleeping, 0);
  } else {
    n = poller_->wait(events, 256, 0);
  }
  ctx_.now_ms = poll::monotonic_ms();

  // Drain and abort requests first: after a hand-over, a connection that
  // arrives in this same batch is the new server's to accept.
  if (abort_req_.exchange(false, std::memory_order_acq_rel)) {
    for (auto& c : slots_)
      if (c && !c->closed()) c->abort("shutdown");
  }
  if (const uint32_t d = drain_req_.exchange(0, std::memory_order_acq_rel)) start_drain((d & kDrainCloseIdle) != 0);
  for (int i = 0; i < n; ++i) on_event(events[i]);
  if (accept_pending_) accept_all();
  if (!listening_ && accept_resume_ms_ != 0 && ctx_.now_ms >= accept_resume_ms_) resume_accept();
  if (!listening_ && accept_resume_ms_ == 0 && !ctx_.draining && open_ < max_conns_ * 9 / 10) resume_accept();

  process_responses();
  run_runnable();
  flush_dirty();
  expire_timers();
  flush_dirty();
  reap_closed();
  if (ctx_.draining && open_ == 0 && !drained_reported_) {
    drained_reported_ = true;
    lane_->push_event(bridge::kMsgDrained, 0, 0, 0);
  }
  lane_->flush_overflow();
  lane_->publish();
  // Inline JS (looper) may have answered already: write those responses in this same turn.
  if (!lane_->responses().empty()) {
    process_responses();
    flush_dirty();
    reap_closed();
    lane_->flush_overflow();
    lane_->publish();
  }
}

void IoLoop::shutdown() {
  for (auto& c : slots_)
    if (c && !c->closed()) c->abort("stop");
  reap_closed();
  lane_->flush_overflow();
  lane_->publish();
  if (listening_) poller_->remove(listen_fd_);
  listening_ = false;
}

void IoLoop::on_event(const poll::Event& ev) {
  if (ev.token == kListenToken) {
    accept_all();
    return;
  }
  if (ev.token == kWakerToken) {
    waker_.drain();
    resume_ring_waiters();  // JS freed request-ring space or published responses
    resume_file_waiters();  // the file read pool brought data into the page cache
    return;
  }
  conn::Connection* c = lookup(static_cast<uint32_t>(ev.token));
  if (!c || c->poll_token != ev.token) return;
  if (ev.ready & (poll::kReadable | poll::kHangup | poll::kError)) c->on_readable(ev.ready);
  if (!c->closed() && (ev.ready & poll::kWritable)) c->on_writable();
}

bool IoLoop::resume_ring_waiters() {
  if (ctx_.ring_waiters.empty()) return false;
  lane_->store(bridge::kReqBlocked, 0);
  for (conn::Connection* c : ctx_.ring_waiters) {
    if (!c->closed() && !c->in_runnable) {
      c->in_runnable = true;
      ctx_.runnable.push_back(c);
    }
  }
  ctx_.ring_waiters.clear();
  return true;
}

void IoLoop::pause_accept(uint64_t resume_ms) {
  if (listening_) poller_->remove(listen_fd_);
  listening_ = false;
  accept_pending_ = false;
  accept_resume_ms_ = resume_ms;
}

void IoLoop::resume_accept() {
  if (listening_ || ctx_.draining || listen_fd_ < 0) return;
  // Adding reports a pending connection at once (edge-triggered add checks readiness).
  if (poller_->add(listen_fd_, poll::kReadable, kListenToken) == 0) listening_ = true;
  accept_resume_ms_ = 0;
}

void IoLoop::accept_all() {
  accept_pending_ = false;
  for (int i = 0; i < 128; ++i) {
    if (ctx_.draining || !listening_) return;
    if (open_ >= max_conns_) {
      // Backpressure: leave new connections in the kernel backlog.
      pause_accept(0);
      return;
    }
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: back off instead of spinning on a readable listener.
        pause_accept(ctx_.now_ms + 100);
        return;
      }
      return;
    }
    add_connection(fd, conn::peer_address(ss));
  }
  accept_pending_ = true;  // budget used: more may wait, and edge-triggered won't repeat
}

bool IoLoop::adopt(int fd, const conn::PeerAddress& peer) {
  ctx_.now_ms = poll::monotonic_ms();
  return add_connection(fd, peer);
}

bool IoLoop::add_connection(int fd, const conn::PeerAddress& peer) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else if (slots_.size() <= kSlotMask) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
    gens_.push_back(0);
  } else {
    ::close(fd);
    return false;
  }
  const uint32_t id = (static_cast<uint32_t>(gens_[slot] & 0xfff) << kSlotBits) | slot;
  auto c = std::make_unique<conn::Connection>(ctx_, fd, id, peer);
  c->poll_token = id;
  if (config_.tls) {
    std::unique_ptr<conn::Transport> t = config_.tls->make();
    if (!t) {  // out of memory in OpenSSL: refuse this one connection
      c->abort("tls");
      ctx_.closed.pop_back();
      free_slots_.push_back(slot);
      return false;
    }
    c->set_transport(std::move(t));
  }
  if (poller_->add(fd, poll::kReadable, id) != 0) {
    c->abort("poller add");
    ctx_.closed.pop_back();
    free_slots_.push_back(slot);
    return false;
  }
  slots_[slot] = std::move(c);
  ++open_;
  stats_.connections_open.fetch_add(1, std::memory_order_relaxed);
  stats_.connections_total.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void IoLoop::release_stale(conn::OutBucket& b, uint32_t conn_id, uint32_t seq) {
  // The connection is gone: free what the bucket holds; pools still learn the end.
  if (b.slab && --b.slab->refs == 0) b.slab->owner->free_remote(b.slab);
  b.slab = nullptr;
  if (b.kind == buckets::BucketKind::kFile && b.own_fd && b.fd >= 0) {
    ::close(b.fd);
    stats_.file_fds_open.fetch_sub(1, std::memory_order_relaxed);
  }
  if (b.kind == buckets::BucketKind::kEor && b.pool_id != 0)
    lane_->push_event(bridge::kMsgEorDone, conn_id, seq, b.pool_id, 1);
}

void IoLoop::process_responses() {
  bridge::MessageRing& ring = lane_->responses();
  buckets::SlabAllocator* slabs = lane_->slabs();
  bool any = false;
  while (const bridge::MsgHeader* h = ring.peek()) {
    any = true;
    if (h->type == bridge::kMsgResponse) {
      auto* m = reinterpret_cast<const bridge::ResponseMsg*>(h);
      auto* d = reinterpret_cast<const bridge::BucketDesc*>(reinterpret_cast<const uint8_t*>(h) + sizeof(*m));
      conn::Connection* c = lookup(m->conn_id);
      if (!c) stats_.stale_responses.fetch_add(1, std::memory_order_relaxed);
      for (uint16_t i = 0; i < m->nbuckets; ++i) {
        conn::OutBucket b;
        b.kind = static_cast<buckets::BucketKind>(d[i].kind);
        switch (b.kind) {
          case buckets::BucketKind::kHeap: {
            buckets::Slab* s = slabs->by_id(d[i].a);
            if (!s) continue;  // corrupt descriptor: ignore rather than crash
            ++s->refs;
            b.slab = s;
            b.data = s->data + static_cast<uint64_t>(d[i].x);
            b.len = static_cast<uint64_t>(d[i].y);
            break;
          }
          case buckets::BucketKind::kFile:
            b.fd = static_cast<int>(d[i].a);
            b.file_off = static_cast<uint64_t>(d[i].x);
            b.len = static_cast<uint64_t>(d[i].y);
            b.own_fd = (d[i].flags & bridge::kBucketOwnFd) != 0;
            if (b.own_fd) stats_.file_fds_open.fetch_add(1, std::memory_order_relaxed);
            break;
          case buckets::BucketKind::kEor:
            b.pool_id = d[i].a;
            b.close_after = (d[i].flags & bridge::kBucketClose) != 0;
            break;
          default:
            break;
        }
        if (c) {
          c->add_response_bucket(m->seq, std::move(b));
        } else {
          release_stale(b, m->conn_id, m->seq);
        }
      }
    } else if (h->type == bridge::kMsgRetireSlab) {
      auto* m = reinterpret_cast<const bridge::RetireMsg*>(h);
      buckets::Slab* s = slabs->by_id(m->slab_id);
      if (s && --s->refs == 0) s->owner->free_remote(s);
    }
    ring.pop(h);
  }
  if (any) ring.release();
}

void IoLoop::run_runnable() {
  std::vector<conn::Connection*> list;
  list.swap(ctx_.runnable);
  for (conn::Connection* c : list) {
    if (c->closed()) {
      c->in_runnable = false;
      continue;
    }
    c->on_runnable();
  }
}

void IoLoop::flush_dirty() {
  std::vector<conn::Connection*> list;
  list.swap(ctx_.dirty);
  for (conn::Connection* c : list) {
    c->in_dirty = false;
    if (!c->closed()) c->flush();
  }
}

void IoLoop::expire_timers() {
  const uint64_t now = ctx_.now_ms;
  for (poll::TimerQueue* q : {&ctx_.header_q, &ctx_.body_q, &ctx_.keepalive_q}) {
    while (poll::TimerEntry* e = q->pop_expired(now)) static_cast<conn::Connection*>(e->owner)->on_read_timer();
  }
  for (poll::TimerQueue* q : {&ctx_.send_q, &ctx_.linger_q}) {
    while (poll::TimerEntry* e = q->pop_expired(now)) static_cast<conn::Connection*>(e->owner)->on_write_timer();
  }
}

void IoLoop::reap_closed() {
  if (ctx_.closed.empty()) return;
  auto gone = [](conn::Connection* c) { return c->closed(); };
  ctx_.runnable.erase(std::remove_if(ctx_.runnable.begin(), ctx_.runnable.end(), gone), ctx_.runnable.end());
  ctx_.dirty.erase(std::remove_if(ctx_.dirty.begin(), ctx_.dirty.end(), gone), ctx_.dirty.end());
  ctx_.ring_waiters.erase(std::remove_if(ctx_.ring_waiters.begin(), ctx_.ring_waiters.end(), gone),
                          ctx_.ring_waiters.end());
  for (conn::Connection* c : ctx_.closed) {
    uint32_t slot = c->id() & kSlotMask;
    if (slot < slots_.size() && slots_[slot].get() == c) {
      slots_[slot].reset();
      ++gens_[slot];
      free_slots_.push_back(slot);
      --open_;
      stats_.connections_open.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  ctx_.closed.clear();
}

void IoLoop::start_drain(bool close_idle) {
  ctx_.draining = true;
  // The listening socket itself stays open: after a hand-over another server
  // accepts from it (closing or shutting it is the binding's decision).
  if (listening_) poller_->remove(listen_fd_);
  listening_ = false;
  accept_pending_ = false;
  accept_resume_ms_ = 0;
  if (!close_idle) return;  // hand-over: connections end through Connection: close or their keep-alive timeout
  ctx_.drain_close_idle = true;
  for (auto& c : slots_)
    if (c && !c->closed()) c->begin_drain();
}

}  // namespace brigade::mpm
