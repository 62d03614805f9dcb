// Connection: one client socket's state machine (DESIGN §5):
//   read -> parse -> dispatch to JS -> write -> keep-alive | lingering close.
// Pipelined requests are parsed ahead (bounded); responses may come back from
// JS in any order and are written strictly in request order.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "conn/io_context.h"
#include "conn/out_bucket.h"
#include "conn/out_queue.h"
#include "conn/peer_address.h"
#include "conn/transport.h"
#include "http/request_parser.h"
#include "poll/timer_queue.h"

namespace brigade::conn {

class Connection {
 public:
  enum class State : uint8_t {
    kIdle,        // no partial request buffered (keep-alive or fresh)
    kHead,        // a request head is partially received
    kBody,        // a request body is being received
    kNoMore,      // no further requests will be read (close after responses)
    kLingering,   // write side shut, draining input before close
    kClosed,
  };

  Connection(IoContext& ctx, int fd, uint32_t id, const PeerAddress& peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uint32_t id() const { return id_; }
  int fd() const { return fd_; }
  State state() const { return state_; }
  bool closed() const { return state_ == State::kClosed; }

  // Poller events.
  void on_readable(uint32_t ready);
  void on_writable();
  // Continue work that was stopped by a budget or backpressure (runnable list).
  void on_runnable();
  // Appends buckets of response `seq` that crossed the bridge.
  void add_response_bucket(uint32_t seq, OutBucket&& b);
  // Writes what is queued (called once per loop turn for dirty connections).
  void flush();
  // Timer expiry (read timer: header/body/keep-alive; write timer: send/linger).
  void on_read_timer();
  void on_write_timer();
  // The file range a FilePrefetcher read for us is in the page cache now.
  void on_file_ready();
  // Graceful shutdown: close now if idle, else after the in-flight responses.
  void begin_drain();
  // Drops everything and closes the socket (reset, fatal error, forced shutdown).
  void abort(const char* why);
  bool idle() const;
  // Reads and writes go through t (TLS) instead of the socket calls.
  void set_transport(std::unique_ptr<Transport> t) { transport_ = std::move(t); }
  bool secure() const { return transport_ != nullptr; }

  poll::TimerEntry read_timer;
  poll::TimerEntry write_timer;
  uint64_t poll_token = 0;  // what the poller reports for this socket
  bool in_runnable = false;
  bool in_dirty = false;

 private:
  // reading / parsing
  void read_loop(bool until_eagain);
  // Processes buf[0,len); returns bytes consumed (the rest is kept for later).
  size_t process(const char* buf, size_t len);
  size_t parse_and_dispatch(const char* buf, size_t len);
  bool dispatch_head(const char* buf, size_t avail, size_t* used);
  bool try_static(const char* buf, bool last);
  bool forward_body(const char* buf, size_t len, size_t* used);
  bool can_take_request() const;
  void keep_leftover(const char* buf, size_t len, size_t consumed, bool from_inbuf);
  void error_and_close(uint16_t status);
  void fail_body(uint16_t status);
  void arm_read_timer();
  // The parser is borrowed from the loop while a request head is being
  // parsed or waits for dispatch, and given back after (idle connections hold none).
  http::RequestParser& parser();
  void release_parser();
  // Frees inbuf_'s storage once it is empty and keeps the input gauge right.
  void input_changed();
  // Gives per-request storage back to the loop when the connection is idle.
  void release_idle_storage();
  // writing
  void queue_native(std::string bytes, uint32_t seq, bool eor, bool close_after);
  void move_parked_to_out();
  void release(OutBucket& b, bool sent);
  void complete_request(const OutBucket& eor, bool sent);
  void after_output_drained();
  void drop_unsent();
  void start_lingering_close();
  void set_want_write(bool on);
  void mark_runnable();
  void finish_close();
  // read(2), or the transport's read.
  ssize_t io_read(char* buf, size_t len);

  IoContext& ctx_;
  int fd_;
  uint32_t id_;
  PeerAddress peer_;
  State state_ = State::kIdle;
  // (the two flags sit in peer_'s tail padding: sizeof(Connection) 384 on x86-64)
  bool head_pending_dispatch_ = false;  // parsed, waiting for ring space
  bool no_more_after_body_ = false;   // the request whose body is streaming is the last one
  std::unique_ptr<http::RequestParser> parser_;
  http::BodyDecoder body_;
  std::vector<char> inbuf_;   // bytes of an incomplete request, from its first byte
  uint64_t inbuf_counted_ = 0;  // inbuf_ capacity as counted in stats.input_buffered
  bool read_pending_ = false;  // socket may hold unread bytes (ET): resume without an event
  bool peer_eof_ = false;
  bool want_write_ = false;
  bool close_after_output_ = false;
  bool close_now_ = false;  // a response asked for the close: nothing after it is sent
  uint32_t next_seq_ = 0;      // seq of the next request to dispatch
  uint32_t write_seq_ = 0;     // seq whose buckets may be written now
  uint32_t requests_done_ = 0; // EORs written
  uint32_t body_seq_ = 0;
  uint64_t window_bytes_ = 0;  // bytes received in the current timeout window
  uint64_t head_started_ms_ = 0;  // when the header timer for this head (or fresh connection) was first armed
  uint64_t sent_in_window_ = 0;
  uint64_t unsent_mem_bytes_ = 0;
  // Front FILE bucket: offsets below resident_end_ were found (or made)
  // resident; while file_wait_ a pool thread reads up to pending_end_.
  uint64_t resident_end_ = 0;
  uint64_t pending_end_ = 0;
  bool file_wait_ = false;
  OutQueue out_;
  std::unique_ptr<Transport> transport_;  // TLS; null for plain TCP
  bool read_after_write_ = false;         // the transport's read waits for writability
  // Responses for seq > write_seq_, waiting for their turn.
  struct Parked {
    uint32_t seq;
    std::deque<OutBucket> buckets;
  };
  std::vector<Parked> parked_;
  std::atomic<uint64_t>* stat_gauge_ = nullptr;  // the stats gauge currently counting us
  void set_state(State s);
};

}  // namespace brigade::conn
