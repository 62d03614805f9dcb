// Writing side of a connection: the output queue, in-order release of
// responses, writev of memory buckets, sendfile of file buckets, EOR handling.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/sendfile.h>
#else
#include <sys/types.h>
#endif

#include <algorithm>

#include "conn/connection.h"

namespace brigade::conn {

namespace {

constexpr int kMaxIov = 128;

// Sends up to len bytes of file fd at *off to socket s; advances *off.
// Returns bytes sent, 0 at end of file, or -1 with errno.
ssize_t send_file(int s, int fd, uint64_t* off, uint64_t len) {
#if defined(__linux__)
  off_t o = static_cast<off_t>(*off);
  ssize_t n = ::sendfile(s, fd, &o, static_cast<size_t>(len));
  if (n > 0) *off = static_cast<uint64_t>(o);
  return n;
#elif defined(__APPLE__)
  off_t sent = static_cast<off_t>(len);
  int r = ::sendfile(fd, s, static_cast<off_t>(*off), &sent, nullptr, 0);
  if (r < 0 && sent == 0) return -1;
  *off += static_cast<uint64_t>(sent);
  return sent;
#elif defined(__FreeBSD__)
  off_t sent = 0;
  int r = ::sendfile(fd, s, static_cast<off_t>(*off), static_cast<size_t>(len), nullptr, &sent, 0);
  if (r < 0 && sent == 0) return -1;
  *off += static_cast<uint64_t>(sent);
  return sent;
#else
  // Portable fallback: pread into a bounded stack buffer.
  char buf[16384];
  ssize_t r = ::pread(fd, buf, std::min<uint64_t>(len, sizeof buf), static_cast<off_t>(*off));
  if (r <= 0) return r;
  ssize_t w = ::send(s, buf, static_cast<size_t>(r), 0);
  if (w > 0) *off += static_cast<uint64_t>(w);
  return w;
#endif
}

// How a head in front of a file bucket leaves (measured on loopback, kernel
// 6.18, BBR; docs/benchmarks.md "static-1m"):
// - file below kMergeHeadBelow: the head goes with MSG_MORE, so head and body
//   leave as one segment instead of two (the client wakes once);
// - file above kCorkHeadAbove: TCP_CORK around head and sendfile, as httpd and
//   nginx (tcp_nopush) do. A head-only first segment carries the request's
//   timestamp echo but is too short to count as an RTT sample, so a Linux
//   client never samples the response's real RTT, keeps a tiny receive-RTT
//   estimate and barely grows its receive buffer; a response far larger than
//   that window is then mostly sent from the client's ACKs;
// - in between the head leaves alone: the whole file fits the client's
//   window anyway, and a full first segment only adds a pacing wait.
constexpr uint64_t kMergeHeadBelow = 64 * 1024;
constexpr uint64_t kCorkHeadAbove = 128 * 1024;

// TCP_CORK over a head and the sendfile behind it: no partial segment leaves
// (not even one pushed by an ACK arriving meanwhile) before the file's pages
// fill it. Off right after the sendfile, or when flush() leaves before
// reaching it. Reads the connection's fd through a reference: -1 once closed.
class HeadCork {
 public:
  explicit HeadCork(const int& fd) : fd_(fd) {}
  ~HeadCork() { off(); }
  HeadCork(const HeadCork&) = delete;
  HeadCork& operator=(const HeadCork&) = delete;

  void on() {
    if (!on_ && fd_ >= 0) on_ = set(1);
  }
  void off() {
    if (!on_) return;
    on_ = false;
    if (fd_ >= 0) set(0);
  }

 private:
  bool set(int v) const {
#if defined(TCP_CORK)
    return ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &v, sizeof v) == 0;
#else
    (void)v;
    return false;
#endif
  }
  const int& fd_;
  bool on_ = false;
};

// Residency is probed per window: one probe per 256 KiB sent, and a window
// that is not cached is read by the pool in one job.
constexpr uint64_t kResidentWindow = 256 * 1024;
// A probe costs a syscall (~1.5 us here), as much as a tenth of a small static
// response. File buckets smaller than this are sent without one: a cold small
// file costs at most one short disk read on the loop thread (what nginx does
// without aio); large files, where cold data is common and reads are long,
// are probed window by window to their end.
constexpr uint64_t kProbeMinBytes = 64 * 1024;

}  // namespace

void Connection::on_file_ready() {
  if (!file_wait_ || state_ == State::kClosed) return;
  file_wait_ = false;
  resident_end_ = pending_end_;
  flush();
}

void Connection::add_response_bucket(uint32_t seq, OutBucket&& b) {
  b.seq = seq;
  if (close_now_) {
    release(b, false);  // behind a closing response: never sent
    return;
  }
  if (seq == write_seq_) {
    const bool eor = b.kind == buckets::BucketKind::kEor;
    if (!out_.has_storage()) out_.adopt_storage(ctx_.out_storage.take([] { return std::vector<OutBucket>(); }));
    if (b.is_memory()) unsent_mem_bytes_ += b.len;
    out_.push_back(std::move(b));
    if (eor) {
      ++write_seq_;
      move_parked_to_out();
    }
  } else {
    // A later response finished first (async handler): park it until its turn.
    auto it = std::find_if(parked_.begin(), parked_.end(), [seq](const Parked& p) { return p.seq == seq; });
    if (it == parked_.end()) {
      parked_.push_back(Parked{seq, {}});
      it = parked_.end() - 1;
    }
    it->buckets.push_back(std::move(b));
  }
  if (!in_dirty) {
    in_dirty = true;
    ctx_.dirty.push_back(this);
  }
}

void Connection::move_parked_to_out() {
  for (;;) {
    auto it = std::find_if(parked_.begin(), parked_.end(), [this](const Parked& p) { return p.seq == write_seq_; });
    if (it == parked_.end()) return;
    bool complete = false;
    for (auto& b : it->buckets) {
      if (b.is_memory()) unsent_mem_bytes_ += b.len;
      if (b.kind == buckets::BucketKind::kEor) complete = true;
      out_.push_back(std::move(b));
    }
    parked_.erase(it);
    if (!complete) return;
    ++write_seq_;
  }
}

void Connection::queue_native(std::string bytes, uint32_t seq, bool eor, bool close_after) {
  OutBucket b;
  b.kind = buckets::BucketKind::kHeap;
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  b.data = reinterpret_cast<const uint8_t*>(owned->data());
  b.len = owned->size();
  b.owned = std::move(owned);
  add_response_bucket(seq, std::move(b));
  if (eor) {
    OutBucket e;
    e.kind = buckets::BucketKind::kEor;
    e.close_after = close_after;
    add_response_bucket(seq, std::move(e));
  }
}

void Connection::complete_request(const OutBucket& eor, bool sent) {
  ++requests_done_;
  ctx_.stats->responses_total.fetch_add(1, std::memory_order_relaxed);
  // writing -> keep-alive (or reading) gauge once nothing is owed any more
  if (state_ == State::kIdle || state_ == State::kNoMore) set_state(state_);
  if (eor.pool_id != 0) ctx_.lane->push_event(bridge::kMsgEorDone, id_, eor.seq, eor.pool_id, sent ? 0 : 1);
  if (ctx_.drain_close_idle) close_after_output_ = true;
  if (eor.close_after) {
    // This response ends the connection: responses to pipelined requests read
    // behind it must not follow it onto the wire (the client would take them
    // for the answer to something else).
    close_after_output_ = true;
    close_now_ = true;
  }
}

void Connection::release(OutBucket& b, bool sent) {
  switch (b.kind) {
    case buckets::BucketKind::kHeap:
    case buckets::BucketKind::kImmortal:
      unsent_mem_bytes_ -= std::min<uint64_t>(unsent_mem_bytes_, b.len);
      if (b.slab && --b.slab->refs == 0) b.slab->owner->free_remote(b.slab);
      b.slab = nullptr;
      b.owned.reset();
      break;
    case buckets::BucketKind::kFile:
      if (b.own_fd && b.fd >= 0) {
        ::close(b.fd);
        ctx_.stats->file_fds_open.fetch_sub(1, std::memory_order_relaxed);
      }
      b.fd = -1;
      b.file_ref.reset();
      break;
    case buckets::BucketKind::kEor:
      // During an abort the request is not "done" for pipelining purposes, but its
      // pool must still be released exactly once.
      if (sent) {
        complete_request(b, true);
      } else if (b.pool_id != 0) {
        ctx_.lane->push_event(bridge::kMsgEorDone, id_, b.seq, b.pool_id, 1);
      }
      break;
    default:
      break;
  }
}

void Connection::set_want_write(bool on) {
  if (on == want_write_ || fd_ < 0) return;
  want_write_ = on;
  // Writability is armed only after a write hit EAGAIN (DESIGN §5).
  ctx_.poller->modify(fd_, on ? (poll::kReadable | poll::kWritable) : static_cast<uint32_t>(poll::kReadable), poll_token);
}

void Connection::on_writable() {
  if (state_ == State::kClosed) return;
  if (read_after_write_) {
    read_after_write_ = false;
    read_loop(true);
    if (state_ == State::kClosed) return;
  }
  if (want_write_ || !out_.empty()) flush();
}

void Connection::flush() {
  if (state_ == State::kClosed) return;
  uint64_t budget = ctx_.config->max_send_per_turn;
  HeadCork cork(fd_);
  while (!out_.empty()) {
    struct iovec iov[kMaxIov];
    int n = 0;
    uint64_t bytes = 0;
    bool head_with_file = false;  // MSG_MORE: the sendfile behind pushes it
    for (const OutBucket& b : out_) {
      if (b.is_memory()) {
        if (b.len == 0) continue;
        iov[n].iov_base = const_cast<uint8_t*>(b.data);
        iov[n].iov_len = b.len;
        ++n;
        bytes += b.len;
        if (n == kMaxIov || bytes >= budget) break;
      } else if (b.kind == buckets::BucketKind::kFile) {
        if (n > 0 && bytes < budget) {
          if (b.len > 0 && b.len < kMergeHeadBelow) head_with_file = true;
          if (b.len > kCorkHeadAbove) cork.on();
        }
        break;
      } else if (b.kind == buckets::BucketKind::kEor && b.close_after) {
        break;  // nothing behind a closing response may be written
      }
    }
    if (n > 0) {
      struct msghdr msg {};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
      ssize_t w = transport_ ? transport_->writev(fd_, iov, n)
                             : ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (head_with_file ? MSG_MORE : 0));
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        abort("write error");
        return;
      }
      uint64_t left = static_cast<uint64_t>(w);
      budget -= std::min(budget, left);
      sent_in_window_ += left;
      ctx_.stats->bytes_written.fetch_add(left, std::memory_order_relaxed);
      // Release what is fully on the wire, in order; only now may memory that an
      // iovec pointed into be freed.
      while (!out_.empty()) {
        OutBucket& b = out_.front();
        if (b.is_memory()) {
          if (b.len > 0 && left == 0) break;
          uint64_t take = std::min(left, b.len);
          b.data += take;
          b.len -= take;
          unsent_mem_bytes_ -= std::min(unsent_mem_bytes_, take);
          left -= take;
          if (b.len > 0) break;
        } else if (b.kind == buckets::BucketKind::kFile) {
          break;
        }
        OutBucket done = std::move(b);
        out_.pop_front();
        release(done, true);
        if (close_now_) {
          drop_unsent();
          break;
        }
      }
      // A short write means the socket buffer is full — except through a
      // transport, which takes one chunk per call: its EAGAIN says when.
      if (static_cast<uint64_t>(w) < bytes && !close_now_ && !transport_) break;
      // Budget used up: continue next turn — unless the queue is empty, when the
      // end-of-output handling below must run now (nothing else would run it).
      if (budget == 0 && !out_.empty()) {
        mark_runnable();
        return;
      }
      continue;
    }
    // Front: metadata and/or a file bucket.
    OutBucket& b = out_.front();
    if (b.kind != buckets::BucketKind::kFile) {
      OutBucket done = std::move(b);
      out_.pop_front();
      release(done, true);
      if (close_now_) drop_unsent();
      continue;
    }
    if (b.len == 0) {
      OutBucket done = std::move(b);
      out_.pop_front();
      resident_end_ = 0;
      release(done, true);
      continue;
    }
    uint64_t chunk = std::min(b.len, budget);
    if (ctx_.prefetcher) {
      if (file_wait_) return;  // a pool thread is reading this range; on_file_ready() resumes
      if (resident_end_ == 0 && b.len < kProbeMinBytes) resident_end_ = b.file_off + b.len;
      if (b.file_off >= resident_end_) {
        const uint64_t window = std::min(b.len, kResidentWindow);
        if (!file_range_resident(b.fd, b.file_off, window)) {
          const int dup = ::fcntl(b.fd, F_DUPFD_CLOEXEC, 0);
          if (dup >= 0) {
            file_wait_ = true;
            pending_end_ = b.file_off + window;
            ctx_.stats->file_reads_offloaded.fetch_add(1, std::memory_order_relaxed);
            ctx_.prefetcher->prefetch(dup, b.file_off, window, id_);
            // A disk that never answers is bounded by the send timeout.
            if (write_timer.queue != &ctx_.send_q) {
              sent_in_window_ = 0;
              ctx_.send_q.arm(&write_timer, ctx_.now_ms);
            }
            return;
          }
        }
        resident_end_ = b.file_off + window;
      }
      chunk = std::min(chunk, resident_end_ - b.file_off);
    }
    ssize_t s = transport_ ? transport_->send_file(fd_, b.fd, &b.file_off, chunk) : send_file(fd_, b.fd, &b.file_off, chunk);
    cork.off();
    if (s < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      abort("sendfile error");
      return;
    }
    if (s == 0) {
      abort("file truncated");  // fewer bytes than promised in Content-Length
      return;
    }
    b.len -= static_cast<uint64_t>(s);
    budget -= std::min(budget, static_cast<uint64_t>(s));
    sent_in_window_ += static_cast<uint64_t>(s);
    ctx_.stats->bytes_written.fetch_add(static_cast<uint64_t>(s), std::memory_order_relaxed);
    if (b.len == 0) {
      OutBucket done = std::move(b);
      out_.pop_front();
      resident_end_ = 0;
      release(done, true);
    }
    if (budget == 0 && !out_.empty()) {
      mark_runnable();
      return;
    }
  }
  cork.off();
  if (state_ == State::kClosed) return;
  if (!out_.empty()) {
    // EAGAIN: wait for writability, bounded by the send timeout.
    set_want_write(true);
    if (write_timer.queue != &ctx_.send_q) {
      sent_in_window_ = 0;
      ctx_.send_q.arm(&write_timer, ctx_.now_ms);
    }
    return;
  }
  set_want_write(false);
  if (write_timer.queue == &ctx_.send_q) poll::TimerQueue::unlink(&write_timer);
  after_output_drained();
}

void Connection::drop_unsent() {
  while (!out_.empty()) {
    OutBucket dead = std::move(out_.front());
    out_.pop_front();
    release(dead, false);
  }
  for (auto& p : parked_)
    for (auto& b : p.buckets) release(b, false);
  parked_.clear();
  head_pending_dispatch_ = false;
  inbuf_.clear();
  input_changed();
  read_pending_ = false;
  file_wait_ = false;  // a late prefetch completion finds nothing to resume
  resident_end_ = 0;
  if (state_ != State::kLingering && state_ != State::kClosed) set_state(State::kNoMore);
}

void Connection::after_output_drained() {
  if (state_ == State::kClosed || state_ == State::kLingering) return;
  const bool nothing_in_flight = next_seq_ == requests_done_ && parked_.empty();
  // close_now_: requests still in flight behind a closing response are
  // abandoned (JS learns it from the abort sent when the connection closes).
  if (close_now_ || (nothing_in_flight && (close_after_output_ || state_ == State::kNoMore))) {
    if (peer_eof_) {
      finish_close();
    } else {
      start_lingering_close();
    }
    return;
  }
  if ((read_pending_ || !inbuf_.empty()) && can_take_request() && !head_pending_dispatch_) mark_runnable();
  release_idle_storage();  // nothing left to write: the queue's storage goes back to the loop
  arm_read_timer();
}

void Connection::on_write_timer() {
  if (state_ == State::kLingering) {
    finish_close();  // lingered long enough
    return;
  }
  if (sent_in_window_ == 0) {
    ctx_.stats->timeouts_total.fetch_add(1, std::memory_order_relaxed);
    abort("send timeout");
    return;
  }
  sent_in_window_ = 0;
  ctx_.send_q.arm(&write_timer, ctx_.now_ms);
}

}  // namespace brigade::conn
