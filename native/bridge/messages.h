// Message layouts of the two rings of a lane. All little-endian, all offsets
// 4- or 8-aligned so JS reads them with Uint32Array / Float64Array views.
// Mirror: src/bridge/layout.ts.
#pragma once
#include <cstdint>

namespace brigade::bridge {

// ---- request ring (native -> JS) ----
enum ReqMsgType : uint8_t {
  kMsgRequest = 1,   // a parsed request head (+ inline body)
  kMsgBody = 2,      // a chunk of a streamed request body
  kMsgAbort = 3,     // connection gone: every unfinished request on it is aborted
  kMsgEorDone = 4,   // the writer reached an EOR: run the request pool's cleanups
  kMsgBodyError = 5, // streamed body failed (limit / malformed): status in aux
  kMsgDrained = 6,   // graceful shutdown: this lane has no connections left
};

enum RequestFlags : uint8_t {
  kReqKeepAlive = 1,
  kReqBodyFollows = 2,   // body arrives in kMsgBody messages
  kReqChunked = 4,
  kReqExpectContinue = 8,
  kReqSecure = 16,       // arrived over TLS
};

// kMsgRequest: header.aux = header_count
struct RequestMsg {
  uint32_t len;
  uint8_t type, flags, method, version_minor;
  uint32_t conn_id, seq;
  uint32_t head_len, header_count;
  uint32_t target_off, target_len;   // offsets into the head bytes
  uint32_t path_len, query_off;      // path = [target_off, +path_len); query = [query_off, +query_len)
  uint32_t query_len, body_len;      // body_len: inline body bytes after the head bytes
  double content_length;             // -1 when unknown (chunked) / 0 when none
  uint8_t remote_addr[16];           // peer, network order: IPv4 in the first 4 bytes, IPv6 all 16
  uint16_t remote_port;
  uint8_t class_index;               // service class (RequestClassifier); 255 = classify in JS
  uint8_t remote_family;             // 4, 6, or 0 (not an IP peer); v4-mapped IPv6 arrives as 4
  uint32_t reserved;
  // followed by: header_count x {name_off, name_len, value_off, value_len} (uint32),
  // then head_len bytes of the raw head, then body_len bytes of body.
};
static_assert(sizeof(RequestMsg) == 80);

// kMsgBody: flags bit 1 = last chunk
struct BodyMsg {
  uint32_t len;
  uint8_t type, flags;
  uint16_t aux;
  uint32_t conn_id, seq;
  uint32_t data_len, reserved;
  // followed by data_len bytes
};
static_assert(sizeof(BodyMsg) == 24);
constexpr uint8_t kBodyLast = 1;

// kMsgAbort / kMsgEorDone / kMsgBodyError
struct ConnEventMsg {
  uint32_t len;
  uint8_t type, flags;   // kMsgEorDone: flags bit 1 = aborted (bytes not all sent)
  uint16_t aux;          // kMsgBodyError: HTTP status
  uint32_t conn_id, seq; // kMsgAbort: seq = first unfinished seq
  uint32_t pool_id, reserved;
};
static_assert(sizeof(ConnEventMsg) == 24);

// ---- response ring (JS -> native) ----
enum RespMsgType : uint8_t {
  kMsgResponse = 1,     // buckets for (conn_id, seq); aux = bucket count
  kMsgRetireSlab = 2,   // JS stopped writing into slab `a`: drop the producer reference
};

struct ResponseMsg {
  uint32_t len;
  uint8_t type, flags;
  uint16_t nbuckets;
  uint32_t conn_id, seq;
  // followed by nbuckets x BucketDesc
};
static_assert(sizeof(ResponseMsg) == 16);

// kind: buckets::BucketKind. HEAP: a = slab id, x = offset, y = length.
// FILE: a = fd, x = file offset, y = length, flags kBucketOwnFd: close fd when done.
// IMMORTAL: a = id. EOR: a = pool id (0: nobody waits), flags kBucketClose: close
// the connection after this response.
struct BucketDesc {
  uint8_t kind, flags;
  uint16_t reserved;
  uint32_t a;
  double x, y;
};
static_assert(sizeof(BucketDesc) == 24);
constexpr uint8_t kBucketOwnFd = 1;
constexpr uint8_t kBucketClose = 2;

struct RetireMsg {
  uint32_t len;
  uint8_t type, flags;
  uint16_t aux;
  uint32_t slab_id, reserved;
};
static_assert(sizeof(RetireMsg) == 16);

}  // namespace brigade::bridge
