// IoLoop: one poller, its connections and one bridge lane — the unit every
// event-driven MPM is made of. turn() runs one iteration: wait for events,
// accept, read/parse/dispatch, take responses from the lane, write, expire
// timeouts, publish requests to JS. The event MPM runs turn(-1) on its own
// thread; the looper MPM runs turn(0) on the JS thread when the poller's fd
// becomes readable.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "bridge/lane.h"
#include "conn/connection.h"
#include "conn/file_prefetcher.h"
#include "conn/io_context.h"
#include "poll/poller.h"

namespace brigade::mpm {

class IoLoop {
 public:
  // listen_fd < 0: the loop does not accept; connections arrive through adopt().
  IoLoop(const conn::ServerConfig& config, int listen_fd, bridge::Lane* lane, uint32_t max_conns,
         size_t read_buf_bytes = 256 * 1024);
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  bool init();  // creates the poller and registers the waker; false on failure
  // Event MPM: file data not in the page cache is read by `p` (a pool)
  // instead of blocking this loop's thread in sendfile. Before the loop runs.
  void set_file_prefetcher(conn::FilePrefetcher* p) { ctx_.prefetcher = p; }
  // One iteration. timeout_ms: -1 = block until an event or timer, 0 = poll.
  void turn(int timeout_ms);
  // Aborts every connection and publishes the last events (thread exit / stop).
  void shutdown();
  // Thread-safe requests, acted on at the next turn.
  // close_idle: see Mpm::begin_drain. A later request may only escalate.
  void request_drain(bool close_idle = true) {
    drain_req_.fetch_or(close_idle ? kDrainCloseIdle : kDrainSoft, std::memory_order_acq_rel);
    waker_.notify();
  }
  void request_abort() { abort_req_.store(true, std::memory_order_release); waker_.notify(); }
  void wake() { waker_.notify(); }

  // Takes over an accepted, nonblocking socket (thread-per-connection MPMs).
  // Owner thread only. Returns false (and closes fd) if it cannot.
  bool adopt(int fd, const conn::PeerAddress& peer);
  uint64_t open_connections() const { return open_; }
  // Thread-per-connection MPMs sleep on a condition variable between
  // connections: announce it so JS calls wake() for late responses.
  // Returns true if responses are already waiting (then do not sleep).
  bool announce_sleep() {
    lane_->store(bridge::kIoSleeping, 1);
    return !lane_->responses().empty();
  }
  void end_sleep() { lane_->store(bridge::kIoSleeping, 0); }
  bool drain_requested() const { return ctx_.draining; }

  // For drivers that do their own waiting (looper).
  int poll_fd() const { return poller_->fd(); }
  int64_t next_timeout_ms();           // -1: none pending
  bool has_immediate_work() const;     // another turn(0) is needed without an event
  // Connections that waited for request-ring space retry at the next turn
  // (the looper calls this after JS drained the ring inline; the event MPM
  // gets the same from JS through the waker).
  bool resume_ring_waiters();
  const conn::IoStats& stats() const { return stats_; }
  bridge::Lane* lane() const { return lane_; }

 private:
  void accept_all();
  bool add_connection(int fd, const conn::PeerAddress& peer);
  void pause_accept(uint64_t resume_ms);
  void resume_accept();
  void on_event(const poll::Event& ev);
  void process_responses();
  void release_stale(conn::OutBucket& b, uint32_t conn_id, uint32_t seq);
  void run_runnable();
  void flush_dirty();
  void expire_timers();
  void reap_closed();
  void start_drain(bool close_idle);
  conn::Connection* lookup(uint32_t id);
  void resume_file_waiters();

  const conn::ServerConfig& config_;
  conn::IoStats stats_;
  conn::IoContext ctx_;
  std::unique_ptr<poll::Poller> poller_;
  poll::Waker waker_;
  bridge::Lane* lane_;
  int listen_fd_;
  uint32_t max_conns_;
  static constexpr uint32_t kDrainSoft = 1, kDrainCloseIdle = 2;
  std::atomic<uint32_t> drain_req_{0};
  std::atomic<bool> abort_req_{false};
  bool listening_ = false;
  bool accept_pending_ = false;
  uint64_t accept_resume_ms_ = 0;  // EMFILE back-off
  bool drained_reported_ = false;
  uint64_t open_ = 0;
  // Connection table: id = generation << 20 | slot (a stale id never matches a reused slot).
  std::vector<std::unique_ptr<conn::Connection>> slots_;
  std::vector<uint16_t> gens_;
  std::vector<uint32_t> free_slots_;
};

}  // namespace brigade::mpm
