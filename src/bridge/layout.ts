// Byte layout of the bridge rings; mirror of native/bridge/ring.h and
// native/bridge/messages.h (keep in sync — test/bridge-layout.test.ts checks
// the round trip through real sockets).

// Control words (Int32Array indexes).
export const REQ_HEAD = 0;
export const REQ_TAIL = 1;
export const RESP_HEAD = 2;
export const RESP_TAIL = 3;
export const JS_SCHEDULED = 4;
export const IO_SLEEPING = 5;
export const REQ_BLOCKED = 6;
export const CONTROL_WORDS = 16;

export const MSG_PAD = 0xff;

// Request ring (native -> JS).
export const MSG_REQUEST = 1;
export const MSG_BODY = 2;
export const MSG_ABORT = 3;
export const MSG_EOR_DONE = 4;
export const MSG_BODY_ERROR = 5;
export const MSG_DRAINED = 6;

export const REQ_FLAG_KEEP_ALIVE = 1;
export const REQ_FLAG_BODY_FOLLOWS = 2;
export const REQ_FLAG_CHUNKED = 4;
export const REQ_FLAG_EXPECT_CONTINUE = 8;
export const REQ_FLAG_SECURE = 16;

// RequestMsg field offsets (bytes).
export const RQ_FLAGS = 5;
export const RQ_METHOD = 6;
export const RQ_VERSION = 7;
export const RQ_CONN = 8;
export const RQ_SEQ = 12;
export const RQ_HEAD_LEN = 16;
export const RQ_HEADER_COUNT = 20;
export const RQ_TARGET_OFF = 24;
export const RQ_TARGET_LEN = 28;
export const RQ_PATH_LEN = 32;
export const RQ_QUERY_OFF = 36;
export const RQ_QUERY_LEN = 40;
export const RQ_BODY_LEN = 44;
export const RQ_CONTENT_LENGTH = 48; // float64
export const RQ_REMOTE_ADDR = 56; // 16 bytes, network order (IPv4: first 4)
export const RQ_REMOTE_PORT = 72; // uint16
export const RQ_CLASS = 74; // uint8: service class from the native classifier
export const CLASS_IN_JS = 255; // no native class: classify in TypeScript
export const RQ_REMOTE_FAMILY = 75; // uint8: 4, 6, or 0 (not an IP peer)
export const RQ_FIXED = 80;

// BodyMsg / ConnEventMsg
export const EV_FLAGS = 5;
export const EV_AUX = 6; // uint16
export const EV_CONN = 8;
export const EV_SEQ = 12;
export const EV_POOL = 16; // ConnEventMsg
export const BODY_DATA_LEN = 16;
export const BODY_FIXED = 24;
export const BODY_LAST = 1;

// Response ring (JS -> native).
export const MSG_RESPONSE = 1;
export const MSG_RETIRE_SLAB = 2;
export const RESPONSE_FIXED = 16;
export const BUCKET_DESC = 24;
export const BUCKET_OWN_FD = 1;
export const BUCKET_CLOSE = 2;

// Bucket kinds (native/buckets/bucket.h).
export const KIND_HEAP = 1;
export const KIND_FILE = 2;
export const KIND_IMMORTAL = 3;
export const KIND_FLUSH = 4;
export const KIND_EOS = 5;
export const KIND_EOR = 6;

// native/http/request_parser.h Method enum order.
export const METHOD_NAMES = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'] as const;
export const METHOD_OTHER = 9;
