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
  // Graceful: stop accepting, close idle connections, finish in-flight ones.
  // Each lane reports kMsgDrained when its connections are gone.
  virtual void begin_drain() = 0;
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
