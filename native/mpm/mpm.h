// Mpm: how native threads share the work (DESIGN §5). Every MPM runs the same
// parser, connection machine, writer and bridge; it only decides who waits for
// events and who runs what. Controlled from the JS thread.
#pragma once
#include <cstdint>

#include "conn/io_context.h"

namespace brigade::mpm {

class Mpm {
 public:
  virtual ~Mpm() = default;
  // Starts the threads. listen_fd is shared (not owned).
  virtual bool start() = 0;
  // Graceful: stop accepting and finish in-flight requests; every request read
  // from now on is answered with Connection: close. close_idle (shutdown):
  // idle keep-alive connections are closed now and busy ones after their
  // in-flight responses. Without it (hand-over to a new server) connections
  // stay open until their next request has been answered or their keep-alive
  // timeout expires, so no request that was just sent on one is lost. May be
  // called again with close_idle once the hand-over grace is over.
  // Each lane reports kMsgDrained when its connections are gone.
  virtual void begin_drain(bool close_idle) = 0;
  // Forced: abort every connection now.
  virtual void abort_all() = 0;
  // Wakes lane i's I/O thread (JS published responses or freed ring space).
  virtual void wake(uint32_t lane) = 0;
  // Stops and joins the threads (after drain or abort).
  virtual void stop() = 0;
  virtual const conn::IoStats& stats(uint32_t lane) const = 0;
  virtual uint32_t lanes() const = 0;
};

}  // namespace brigade::mpm
