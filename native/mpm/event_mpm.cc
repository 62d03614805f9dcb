#include "mpm/event_mpm.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bridge/messages.h"
#include "buckets/bucket.h"

namespace brigade::mpm {

namespace {
constexpr uint64_t kListenToken = (1ull << 63) | 1;
constexpr uint64_t kWakerToken = (1ull << 63) | 2;
constexpr uint32_t kSlotBits = 20;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
}  // namespace

struct EventMpm::IoThread {
  conn::IoContext ctx;
  conn::IoStats stats;
  std::unique_ptr<poll::Poller> poller;
  poll::Waker waker;
  bridge::Lane* lane = nullptr;
  int listen_fd = -1;
  uint32_t max_conns = 0;
  std::thread thread;
  std::atomic<bool> stop_req{false};
  std::atomic<bool> drain_req{false};
  std::atomic<bool> abort_req{false};
  bool listening = false;
  bool accept_pending = false;
  uint64_t accept_resume_ms = 0;  // EMFILE back-off
  bool drained_reported = false;
  uint64_t open = 0;
  // Connection table: id = generation << 20 | slot (a stale id never matches a reused slot).
  std::vector<std::unique_ptr<conn::Connection>> slots;
  std::vector<uint16_t> gens;
  std::vector<uint32_t> free_slots;

  ~IoThread() {
    slots.clear();  // connections unlink their timers before the queues go
  }

  conn::Connection* lookup(uint32_t id) {
    uint32_t slot = id & kSlotMask;
    if (slot >= slots.size() || !slots[slot]) return nullptr;
    if (slots[slot]->id() != id || slots[slot]->closed()) return nullptr;
    return slots[slot].get();
  }

  void run();
  void accept_all();
  void pause_accept(uint64_t resume_ms);
  void resume_accept();
  void on_event(const poll::Event& ev);
  void process_responses();
  void release_stale(conn::OutBucket& b, uint32_t conn_id, uint32_t seq);
  void run_runnable();
  void flush_dirty();
  void expire_timers();
  void reap_closed();
  void start_drain();
};

EventMpm::EventMpm(const conn::ServerConfig& config, int listen_fd, std::vector<bridge::Lane*> lanes)
    : config_(config), listen_fd_(listen_fd) {
  const uint32_t n = static_cast<uint32_t>(lanes.size());
  for (bridge::Lane* lane : lanes) {
    auto t = std::make_unique<IoThread>();
    t->lane = lane;
    t->listen_fd = listen_fd;
    t->max_conns = std::max<uint32_t>(1, config_.max_connections / n);
    t->ctx.config = &config_;
    t->ctx.lane = lane;
    t->ctx.stats = &t->stats;
    t->ctx.header_q.set_duration(config_.header_timeout_ms);
    t->ctx.body_q.set_duration(config_.body_timeout_ms);
    t->ctx.keepalive_q.set_duration(config_.keepalive_timeout_ms);
    t->ctx.send_q.set_duration(config_.send_timeout_ms);
    t->ctx.linger_q.set_duration(config_.linger_ms);
    threads_.push_back(std::move(t));
  }
}

EventMpm::~EventMpm() { stop(); }

bool EventMpm::start() {
  for (auto& t : threads_) {
    t->poller = poll::make_poller();
    if (!t->poller || !t->waker.ok()) return false;
    t->ctx.poller = t->poller.get();
    if (t->poller->add(t->waker.fd(), poll::kReadable, kWakerToken) != 0) return false;
  }
  for (auto& t : threads_) {
    IoThread* self = t.get();
    t->thread = std::thread([self] { self->run(); });
  }
  return true;
}

void EventMpm::begin_drain() {
  for (auto& t : threads_) {
    t->drain_req.store(true, std::memory_order_release);
    t->waker.notify();
  }
}

void EventMpm::abort_all() {
  for (auto& t : threads_) {
    t->abort_req.store(true, std::memory_order_release);
    t->waker.notify();
  }
}

void EventMpm::wake(uint32_t lane) {
  if (lane < threads_.size()) threads_[lane]->waker.notify();
}

void EventMpm::stop() {
  for (auto& t : threads_) {
    if (!t->thread.joinable()) continue;
    t->abort_req.store(true, std::memory_order_release);
    t->stop_req.store(true, std::memory_order_release);
    t->waker.notify();
    t->thread.join();
  }
}

const conn::IoStats& EventMpm::stats(uint32_t lane) const { return threads_[lane]->stats; }

void EventMpm::IoThread::run() {
  resume_accept();
  poll::Event events[256];
  while (!stop_req.load(std::memory_order_acquire)) {
    ctx.now_ms = poll::monotonic_ms();
    int64_t timeout = -1;
    for (poll::TimerQueue* q : {&ctx.header_q, &ctx.body_q, &ctx.keepalive_q, &ctx.send_q, &ctx.linger_q}) {
      int64_t t = q->next_timeout(ctx.now_ms);
      if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
    }
    if (!listening && accept_resume_ms != 0) {
      int64_t t = accept_resume_ms > ctx.now_ms ? static_cast<int64_t>(accept_resume_ms - ctx.now_ms) : 0;
      if (timeout < 0 || t < timeout) timeout = t;
    }
    if (!ctx.runnable.empty() || accept_pending || lane->has_overflow()) timeout = 0;
    // Announce sleep, then re-check: JS publishes before it reads kIoSleeping.
    lane->store(bridge::kIoSleeping, 1);
    if (!lane->responses().empty()) timeout = 0;
    int n = poller->wait(events, 256, static_cast<int>(timeout));
    lane->store(bridge::kIoSleeping, 0);
    ctx.now_ms = poll::monotonic_ms();

    for (int i = 0; i < n; ++i) on_event(events[i]);
    if (abort_req.exchange(false, std::memory_order_acq_rel)) {
      for (auto& c : slots)
        if (c && !c->closed()) c->abort("shutdown");
    }
    if (drain_req.exchange(false, std::memory_order_acq_rel)) start_drain();
    if (accept_pending) accept_all();
    if (!listening && accept_resume_ms != 0 && ctx.now_ms >= accept_resume_ms) resume_accept();
    if (!listening && accept_resume_ms == 0 && !ctx.draining && open < max_conns * 9 / 10) resume_accept();

    process_responses();
    run_runnable();
    flush_dirty();
    expire_timers();
    flush_dirty();
    reap_closed();
    if (ctx.draining && open == 0 && !drained_reported) {
      drained_reported = true;
      lane->push_event(bridge::kMsgDrained, 0, 0, 0);
    }
    lane->flush_overflow();
    lane->publish();
  }
  for (auto& c : slots)
    if (c && !c->closed()) c->abort("stop");
  reap_closed();
  lane->flush_overflow();
  lane->publish();
  if (listening) poller->remove(listen_fd);
}

void EventMpm::IoThread::on_event(const poll::Event& ev) {
  if (ev.token == kListenToken) {
    accept_all();
    return;
  }
  if (ev.token == kWakerToken) {
    waker.drain();
    // JS freed request-ring space or published responses.
    if (!ctx.ring_waiters.empty()) {
      lane->store(bridge::kReqBlocked, 0);
      for (conn::Connection* c : ctx.ring_waiters) {
        if (!c->closed() && !c->in_runnable) {
          c->in_runnable = true;
          ctx.runnable.push_back(c);
        }
      }
      ctx.ring_waiters.clear();
    }
    return;
  }
  conn::Connection* c = lookup(static_cast<uint32_t>(ev.token));
  if (!c || c->poll_token != ev.token) return;
  if (ev.ready & (poll::kReadable | poll::kHangup | poll::kError)) c->on_readable();
  if (!c->closed() && (ev.ready & poll::kWritable)) c->on_writable();
}

void EventMpm::IoThread::pause_accept(uint64_t resume_ms) {
  if (listening) poller->remove(listen_fd);
  listening = false;
  accept_pending = false;
  accept_resume_ms = resume_ms;
}

void EventMpm::IoThread::resume_accept() {
  if (listening || ctx.draining || listen_fd < 0) return;
  // Adding reports a pending connection at once (edge-triggered add checks readiness).
  if (poller->add(listen_fd, poll::kReadable, kListenToken) == 0) listening = true;
  accept_resume_ms = 0;
}

void EventMpm::IoThread::accept_all() {
  accept_pending = false;
  for (int i = 0; i < 128; ++i) {
    if (ctx.draining || !listening) return;
    if (open >= max_conns) {
      // Backpressure: leave new connections in the kernel backlog.
      pause_accept(0);
      return;
    }
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: back off instead of spinning on a readable listener.
        pause_accept(ctx.now_ms + 100);
        return;
      }
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint32_t ip = 0;
    uint16_t port = 0;
    if (ss.ss_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      ip = ntohl(sin->sin_addr.s_addr);
      port = ntohs(sin->sin_port);
    }
    uint32_t slot;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
    } else if (slots.size() <= kSlotMask) {
      slot = static_cast<uint32_t>(slots.size());
      slots.emplace_back();
      gens.push_back(0);
    } else {
      ::close(fd);
      continue;
    }
    const uint32_t id = (static_cast<uint32_t>(gens[slot] & 0xfff) << kSlotBits) | slot;
    auto c = std::make_unique<conn::Connection>(ctx, fd, id, ip, port);
    c->poll_token = id;
    if (poller->add(fd, poll::kReadable, id) != 0) {
      c->abort("poller add");
      ctx.closed.pop_back();
      free_slots.push_back(slot);
      continue;
    }
    slots[slot] = std::move(c);
    ++open;
    stats.connections_open.fetch_add(1, std::memory_order_relaxed);
    stats.connections_total.fetch_add(1, std::memory_order_relaxed);
  }
  accept_pending = true;  // budget used: more may wait, and edge-triggered won't repeat
}

void EventMpm::IoThread::release_stale(conn::OutBucket& b, uint32_t conn_id, uint32_t seq) {
  // The connection is gone: free what the bucket holds; pools still learn the end.
  if (b.slab && --b.slab->refs == 0) b.slab->owner->free_remote(b.slab);
  if (b.kind == buckets::BucketKind::kFile && b.own_fd && b.fd >= 0) {
    ::close(b.fd);
    stats.file_fds_open.fetch_sub(1, std::memory_order_relaxed);
  }
  if (b.kind == buckets::BucketKind::kEor && b.pool_id != 0)
    lane->push_event(bridge::kMsgEorDone, conn_id, seq, b.pool_id, 1);
}

void EventMpm::IoThread::process_responses() {
  bridge::MessageRing& ring = lane->responses();
  buckets::SlabAllocator* slabs = lane->slabs();
  bool any = false;
  while (const bridge::MsgHeader* h = ring.peek()) {
    any = true;
    if (h->type == bridge::kMsgResponse) {
      auto* m = reinterpret_cast<const bridge::ResponseMsg*>(h);
      auto* d = reinterpret_cast<const bridge::BucketDesc*>(reinterpret_cast<const uint8_t*>(h) + sizeof(*m));
      conn::Connection* c = lookup(m->conn_id);
      if (!c) stats.stale_responses.fetch_add(1, std::memory_order_relaxed);
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
            if (b.own_fd) stats.file_fds_open.fetch_add(1, std::memory_order_relaxed);
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

void EventMpm::IoThread::run_runnable() {
  std::vector<conn::Connection*> list;
  list.swap(ctx.runnable);
  for (conn::Connection* c : list) {
    if (c->closed()) {
      c->in_runnable = false;
      continue;
    }
    c->on_runnable();
  }
}

void EventMpm::IoThread::flush_dirty() {
  std::vector<conn::Connection*> list;
  list.swap(ctx.dirty);
  for (conn::Connection* c : list) {
    c->in_dirty = false;
    if (!c->closed()) c->flush();
  }
}

void EventMpm::IoThread::expire_timers() {
  const uint64_t now = ctx.now_ms;
  for (poll::TimerQueue* q : {&ctx.header_q, &ctx.body_q, &ctx.keepalive_q}) {
    while (poll::TimerEntry* e = q->pop_expired(now)) static_cast<conn::Connection*>(e->owner)->on_read_timer();
  }
  for (poll::TimerQueue* q : {&ctx.send_q, &ctx.linger_q}) {
    while (poll::TimerEntry* e = q->pop_expired(now)) static_cast<conn::Connection*>(e->owner)->on_write_timer();
  }
}

void EventMpm::IoThread::reap_closed() {
  if (ctx.closed.empty()) return;
  auto gone = [](conn::Connection* c) { return c->closed(); };
  ctx.runnable.erase(std::remove_if(ctx.runnable.begin(), ctx.runnable.end(), gone), ctx.runnable.end());
  ctx.dirty.erase(std::remove_if(ctx.dirty.begin(), ctx.dirty.end(), gone), ctx.dirty.end());
  ctx.ring_waiters.erase(std::remove_if(ctx.ring_waiters.begin(), ctx.ring_waiters.end(), gone),
                         ctx.ring_waiters.end());
  for (conn::Connection* c : ctx.closed) {
    uint32_t slot = c->id() & kSlotMask;
    if (slot < slots.size() && slots[slot].get() == c) {
      slots[slot].reset();
      ++gens[slot];
      free_slots.push_back(slot);
      --open;
      stats.connections_open.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  ctx.closed.clear();
}

void EventMpm::IoThread::start_drain() {
  ctx.draining = true;
  if (listening) poller->remove(listen_fd);
  listening = false;
  accept_pending = false;
  accept_resume_ms = 0;
  for (auto& c : slots)
    if (c && !c->closed()) c->begin_drain();
}

}  // namespace brigade::mpm
