// The only file that knows Node: exposes NativeServer to TypeScript
// (src/native.ts). Everything it drives is plain C++ in the other folders.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <napi.h>
#include <uv.h>

#include "bridge/lane.h"
#include "buckets/slab_allocator.h"
#include "compress/whole_body_deflater.h"
#include "conn/lane_stats.h"
#include "conn/server_config.h"
#include "mpm/event_mpm.h"
#include "mpm/leader_mpm.h"
#include "mpm/looper_mpm.h"
#include "mpm/worker_mpm.h"
#include "static/static_mounts.h"
#include "tls/tls_server.h"

namespace {

using brigade::buckets::SlabAllocator;

// Wakes JS through a ThreadSafeFunction, used only as a doorbell.
class TsfnDoorbell final : public brigade::bridge::Doorbell {
 public:
  explicit TsfnDoorbell(Napi::ThreadSafeFunction tsfn) : tsfn_(std::move(tsfn)) {}
  void ring() override { tsfn_.NonBlockingCall(); }
  Napi::ThreadSafeFunction& tsfn() { return tsfn_; }
 private:
  Napi::ThreadSafeFunction tsfn_;
};

// Looper: the doorbell calls JS right away, on the JS thread, inside the turn.
class InlineDoorbell final : public brigade::bridge::Doorbell {
 public:
  InlineDoorbell(Napi::Env env, Napi::Function fn) : env_(env), fn_(Napi::Persistent(fn)) {}
  void ring() override {
    Napi::HandleScope scope(env_);
    napi_value recv = env_.Global();
    fn_.MakeCallback(recv, {});
    if (env_.IsExceptionPending()) {
      Napi::Error e = env_.GetAndClearPendingException();
      napi_fatal_exception(env_, e.Value());
    }
  }
 private:
  Napi::Env env_;
  Napi::FunctionReference fn_;
};

// Drives a LooperMpm from Node's libuv loop: a poll handle on the poller's fd,
// a timer for the next timeout, an idle handle while work is pending without
// an event. Freed after libuv closed all three handles.
class LooperDriver {
 public:
  static LooperDriver* Create(uv_loop_t* loop, brigade::mpm::LooperMpm* mpm) {
    auto d = std::unique_ptr<LooperDriver>(new LooperDriver(mpm));
    if (uv_poll_init(loop, &d->poll_, mpm->poll_fd()) != 0) return nullptr;
    uv_timer_init(loop, &d->timer_);
    uv_idle_init(loop, &d->idle_);
    d->poll_.data = d->timer_.data = d->idle_.data = d.get();
    uv_unref(reinterpret_cast<uv_handle_t*>(&d->timer_));
    uv_poll_start(&d->poll_, UV_READABLE, &LooperDriver::OnPoll);
    return d.release();  // owned by libuv until Close() completes
  }
  void Turn() {
    mpm_->run_turn();
    Rearm();
  }
  void Rearm() {
    if (closing_) return;
    int64_t t = mpm_->next_timeout_ms();
    if (t >= 0) {
      uv_timer_start(&timer_, &LooperDriver::OnTimer, static_cast<uint64_t>(t), 0);
    } else {
      uv_timer_stop(&timer_);
    }
    if (mpm_->has_immediate_work()) {
      uv_idle_start(&idle_, &LooperDriver::OnIdle);
    } else {
      uv_idle_stop(&idle_);
    }
  }
  void Close() {
    closing_ = true;
    uv_poll_stop(&poll_);
    uv_timer_stop(&timer_);
    uv_idle_stop(&idle_);
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &LooperDriver::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &LooperDriver::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), &LooperDriver::OnClosed);
  }

 private:
  explicit LooperDriver(brigade::mpm::LooperMpm* mpm) : mpm_(mpm) {}
  static void OnPoll(uv_poll_t* h, int, int) { static_cast<LooperDriver*>(h->data)->Turn(); }
  static void OnTimer(uv_timer_t* h) { static_cast<LooperDriver*>(h->data)->Turn(); }
  static void OnIdle(uv_idle_t* h) { static_cast<LooperDriver*>(h->data)->Turn(); }
  static void OnClosed(uv_handle_t* h) {
    auto* d = static_cast<LooperDriver*>(h->data);
    if (++d->closed_ == 3) std::unique_ptr<LooperDriver> free_it(d);
  }
  brigade::mpm::LooperMpm* mpm_;
  uv_poll_t poll_;
  uv_timer_t timer_;
  uv_idle_t idle_;
  int closed_ = 0;
  bool closing_ = false;
};

struct LaneSlot {
  Napi::Reference<Napi::Value> control_ref, req_ref, resp_ref;  // keep the SABs alive
  std::shared_ptr<SlabAllocator> slabs;
  std::vector<Napi::Reference<Napi::ArrayBuffer>> slab_buffers;  // by slab id: one ArrayBuffer per slab, ever
  std::unique_ptr<TsfnDoorbell> bell;          // event MPM
  std::unique_ptr<InlineDoorbell> inline_bell;  // looper MPM
  std::unique_ptr<brigade::bridge::Lane> lane;
  bool tsfn_released = false;
};

uint32_t opt_u32(const Napi::Object& o, const char* key, uint32_t dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : dflt;
}
double opt_num(const Napi::Object& o, const char* key, double dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : dflt;
}

std::string opt_str(const Napi::Object& o, const char* key, bool* present) {
  Napi::Value v = o.Get(key);
  *present = v.IsString();
  return *present ? v.As<Napi::String>().Utf8Value() : std::string();
}
std::string opt_str(const Napi::Object& o, const char* key) {
  bool present = false;
  return opt_str(o, key, &present);
}

// { cert, key, names? } -> CertKey (PEM text; TypeScript read the files).
brigade::tls::CertKey read_cert_key(const Napi::Object& o) {
  brigade::tls::CertKey ck;
  ck.cert_pem = opt_str(o, "cert");
  ck.key_pem = opt_str(o, "key");
  Napi::Value names = o.Get("names");
  if (names.IsArray()) {
    Napi::Array a = names.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value n = a.Get(i);
      if (n.IsString()) ck.names.push_back(n.As<Napi::String>().Utf8Value());
    }
  }
  return ck;
}

// The tls option object (src/tls/options.ts builds it) -> TlsOptions.
brigade::tls::TlsOptions read_tls_options(const Napi::Object& o) {
  brigade::tls::TlsOptions t;
  t.fallback = read_cert_key(o);
  Napi::Value sni = o.Get("sni");
  if (sni.IsArray()) {
    Napi::Array a = sni.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      if (e.IsObject()) t.sni.push_back(read_cert_key(e.As<Napi::Object>()));
    }
  }
  Napi::Value strict = o.Get("sniStrict");
  t.sni_strict = strict.IsBoolean() && strict.As<Napi::Boolean>().Value();
  t.min_version = opt_str(o, "minVersion") == "TLSv1.3" ? 0x0304 : 0x0303;
  t.ciphers = opt_str(o, "ciphers");
  t.ciphersuites = opt_str(o, "ciphersuites");
  t.ticket_rotate_s = opt_u32(o, "ticketKeyRotation", t.ticket_rotate_s);
  t.handshakes_per_turn = opt_u32(o, "handshakesPerTurn", t.handshakes_per_turn);
  if (std::string k = opt_str(o, "ktls"); !k.empty()) t.ktls = k;
  return t;
}


// Service-class rules as src/classes/native-rules.ts hands them down:
// classRules: [{ methods: [Method codes], methodOther, pathPrefix?, host?,
// headerName?, headerValue?, jsOnly }], defaultClass: index of the default class.
void read_class_rules(const Napi::Object& o, brigade::http::RequestClassifier* out) {
  Napi::Value v = o.Get("classRules");
  if (!v.IsArray()) return;
  Napi::Array list = v.As<Napi::Array>();
  std::vector<brigade::http::ClassRule> rules;
  for (uint32_t i = 0; i < list.Length() && i < brigade::http::RequestClassifier::kMaxClasses; ++i) {
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) continue;
    Napi::Object r = item.As<Napi::Object>();
    brigade::http::ClassRule rule;
    Napi::Value methods = r.Get("methods");
    if (methods.IsArray()) {
      Napi::Array m = methods.As<Napi::Array>();
      for (uint32_t k = 0; k < m.Length(); ++k) {
        const uint32_t code = m.Get(k).As<Napi::Number>().Uint32Value();
        if (code < static_cast<uint32_t>(brigade::http::Method::kOther)) rule.method_mask |= static_cast<uint16_t>(1u << code);
      }
    }
    rule.method_other = r.Get("methodOther").ToBoolean();
    rule.path_prefix = opt_str(r, "pathPrefix", &rule.has_path_prefix);
    rule.host = opt_str(r, "host", &rule.has_host);
    rule.header_name = opt_str(r, "headerName", &rule.has_header);
    bool has_value = false;
    rule.header_value = opt_str(r, "headerValue", &has_value);
    rule.js_only = r.Get("jsOnly").ToBoolean();
    rules.push_back(std::move(rule));
  }
  const uint32_t dflt = opt_u32(o, "defaultClass", static_cast<uint32_t>(rules.size()));
  out->set(std::move(rules), static_cast<uint8_t>(std::min<uint32_t>(dflt, brigade::http::RequestClassifier::kMaxClasses)));
}

// Data pointer of a typed array; works for SharedArrayBuffer-backed views too
// (whose ArrayBuffer() accessor refuses them).
template <typename T>
T* typed_data(const Napi::Value& v, size_t* bytes) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t offset = 0;
  if (!v.IsTypedArray() || napi_get_typedarray_info(v.Env(), v, &type, &length, &data, &ab, &offset) != napi_ok) {
    *bytes = 0;
    return nullptr;
  }
  *bytes = length * v.As<Napi::TypedArray>().ElementSize();
  return static_cast<T*>(data);
}

class NativeServer : public Napi::ObjectWrap<NativeServer> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeServer",
                       {InstanceMethod<&NativeServer::Listen>("listen"),
                        InstanceMethod<&NativeServer::AdoptListener>("adoptListener"),
                        InstanceMethod<&NativeServer::ListenFd>("listenFd"),
                        InstanceMethod<&NativeServer::AttachLane>("attachLane"),
                        InstanceMethod<&NativeServer::Start>("start"),
                        InstanceMethod<&NativeServer::AllocSlab>("allocSlab"),
                        InstanceMethod<&NativeServer::SlabBuffer>("slabBuffer"),
                        InstanceMethod<&NativeServer::Wake>("wake"),
                        InstanceMethod<&NativeServer::Drain>("drain"),
                        InstanceMethod<&NativeServer::AbortAll>("abortAll"),
                        InstanceMethod<&NativeServer::Stop>("stop"),
                        InstanceMethod<&NativeServer::Stats>("stats"),
                        InstanceMethod<&NativeServer::LaneStats>("laneStats"),
                        InstanceMethod<&NativeServer::LaneCount>("laneCount"),
                        InstanceMethod<&NativeServer::ReloadTls>("reloadTls"),
                        InstanceMethod<&NativeServer::SetStaticMounts>("setStaticMounts"),
                        InstanceMethod<&NativeServer::DisableStaticFastPath>("disableStaticFastPath")});
  }

  explicit NativeServer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeServer>(info) {
    Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
    auto& c = config_;
    c.limits.max_request_line = opt_u32(o, "maxRequestLine", c.limits.max_request_line);
    c.limits.max_head_bytes = opt_u32(o, "maxHeaderBytes", c.limits.max_head_bytes);
    c.limits.max_field_line = opt_u32(o, "maxHeaderLine", c.limits.max_field_line);
    c.limits.max_headers = std::min<uint32_t>(opt_u32(o, "maxHeaders", c.limits.max_headers), brigade::http::kMaxHeaders);
    c.max_body = static_cast<uint64_t>(opt_num(o, "maxBodyBytes", static_cast<double>(c.max_body)));
    c.limits.max_body = c.max_body;
    c.inline_body_max = opt_u32(o, "inlineBodyMax", c.inline_body_max);
    c.header_timeout_ms = opt_u32(o, "headerTimeout", c.header_timeout_ms);
    c.header_total_ms = opt_u32(o, "headerTotalTimeout", c.header_total_ms);
    c.body_timeout_ms = opt_u32(o, "bodyTimeout", c.body_timeout_ms);
    c.min_rate = opt_u32(o, "minReceiveRate", c.min_rate);
    c.keepalive_timeout_ms = opt_u32(o, "keepAliveTimeout", c.keepalive_timeout_ms);
    c.send_timeout_ms = opt_u32(o, "sendTimeout", c.send_timeout_ms);
    c.linger_ms = opt_u32(o, "lingerTimeout", c.linger_ms);
    c.max_pipelined = std::max<uint32_t>(1, opt_u32(o, "maxPipelined", c.max_pipelined));
    c.max_unsent_bytes = opt_u32(o, "maxUnsentBytes", c.max_unsent_bytes);
    c.max_input_buffer = opt_u32(o, "maxInputBuffer", c.max_input_buffer);
    c.max_send_per_turn = static_cast<uint64_t>(opt_num(o, "maxSendPerTurn", static_cast<double>(c.max_send_per_turn)));
    c.max_connections = opt_u32(o, "maxConnections", c.max_connections);
    c.max_keepalive_requests = opt_u32(o, "maxKeepAliveRequests", c.max_keepalive_requests);
    read_class_rules(o, &c.classifier);
    io_threads_ = std::max<uint32_t>(1, opt_u32(o, "ioThreads", 1));
    Napi::Value mpm = o.Get("mpm");
    mpm_name_ = mpm.IsString() ? mpm.As<Napi::String>().Utf8Value() : "looper";
    looper_ = mpm_name_ == "looper";
    if (looper_) io_threads_ = 1;
    // Thread-per-connection MPMs: one lane per thread.
    if (mpm_name_ == "worker" || mpm_name_ == "leader") io_threads_ = std::max<uint32_t>(1, opt_u32(o, "threads", 32));
    lanes_.resize(io_threads_);
    napi_add_env_cleanup_hook(info.Env(), &NativeServer::EnvCleanup, this);
    env_ = info.Env();
    // Last: a throw leaves a half-made object whose destructor must still find env_.
    Napi::Value tls = o.Get("tls");
    if (tls.IsObject()) {
      std::string err;
      tls_ = brigade::tls::TlsServer::create(read_tls_options(tls.As<Napi::Object>()), &err);
      if (!tls_) {
        Napi::Error::New(info.Env(), "tls: " + err).ThrowAsJavaScriptException();
      }
      config_.tls = tls_.get();
    }
  }

  ~NativeServer() override {
    Shutdown();
    napi_remove_env_cleanup_hook(env_, &NativeServer::EnvCleanup, this);
  }

 private:
  static void EnvCleanup(void* arg) { static_cast<NativeServer*>(arg)->Shutdown(); }

  void Shutdown() {
    if (driver_) {
      driver_->Close();
      driver_ = nullptr;
      looper_mpm_ = nullptr;
    }
    if (mpm_) {
      mpm_->stop();
      mpm_.reset();
    }
    for (auto& l : lanes_) {
      if (l.bell && !l.tsfn_released) {
        l.bell->tsfn().Release();
        l.tsfn_released = true;
      }
    }
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
  }

  // listen(host: string, port: number, backlog: number, reusePort?: boolean) -> bound port.
  // reusePort: SO_REUSEPORT, so several loopers (worker_threads) each bind
  // their own socket to one address and the kernel spreads connections.
  Napi::Value Listen(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string host = info[0].As<Napi::String>();
    uint32_t port = info[1].As<Napi::Number>().Uint32Value();
    int backlog = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 511;
    sockaddr_storage ss{};
    socklen_t sl;
    int family;
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, host.c_str(), &s4->sin_addr) == 1) {
      family = AF_INET;
      s4->sin_family = AF_INET;
      s4->sin_port = htons(static_cast<uint16_t>(port));
      sl = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &s6->sin6_addr) == 1) {
      family = AF_INET6;
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(static_cast<uint16_t>(port));
      sl = sizeof(sockaddr_in6);
    } else {
      Napi::Error::New(env, "listen: host must be a numeric IPv4/IPv6 address: " + host).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return ThrowErrno(env, "socket");
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool reuse_port = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
#ifdef SO_REUSEPORT
    if (reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      int e = errno;
      ::close(fd);
      errno = e;
      return ThrowErrno(env, "setsockopt(SO_REUSEPORT)");
    }
#else
    if (reuse_port) {
      ::close(fd);
      errno = ENOTSUP;
      return ThrowErrno(env, "SO_REUSEPORT");
    }
#endif
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0) {
      int e = errno;
      ::close(fd);
      errno = e;
      return ThrowErrno(env, "bind");
    }
    if (::listen(fd, backlog) != 0) {
      int e = errno;
      ::close(fd);
      errno = e;
      return ThrowErrno(env, "listen");
    }
    sockaddr_storage bound{};
    socklen_t bl = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
    uint16_t actual = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                        : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    listen_fd_ = fd;
    return Napi::Number::New(env, actual);
  }

  // adoptListener(fd) -> bound port. Takes a duplicate of another server's
  // listening socket (graceful reload): both accept from the same kernel queue
  // until the old one drains, and closing either descriptor leaves the socket
  // to the other, so the queue is never dropped.
  Napi::Value AdoptListener(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (listen_fd_ >= 0 || mpm_) {
      Napi::Error::New(env, "adoptListener: already listening").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int src = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
    int accepting = 0;
    socklen_t al = sizeof accepting;
    if (src < 0 || ::getsockopt(src, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &al) != 0 || !accepting) {
      Napi::Error::New(env, "adoptListener: not a listening socket").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int fd = ::fcntl(src, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return ThrowErrno(env, "dup");
    // O_NONBLOCK is a flag of the shared open file description: already set.
    sockaddr_storage bound{};
    socklen_t bl = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
    uint16_t port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    listen_fd_ = fd;
    return Napi::Number::New(env, port);
  }

  // listenFd() -> this server's listening descriptor (-1 when none), for adoptListener.
  Napi::Value ListenFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), listen_fd_); }

  Napi::Value ThrowErrno(Napi::Env env, const char* what) {
    int e = errno;
    Napi::Error err = Napi::Error::New(env, std::string(what) + ": " + strerror(e));
    err.Set("errno", Napi::Number::New(env, e));
    err.Set("code", Napi::String::New(env, e == EADDRINUSE ? "EADDRINUSE" : e == EACCES ? "EACCES" : "ESYSCALL"));
    err.ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // attachLane(i, control: Int32Array, reqRing: Uint8Array, respRing: Uint8Array, doorbell: () => void)
  Napi::Value AttachLane(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t i = info[0].As<Napi::Number>().Uint32Value();
    if (i >= lanes_.size()) {
      Napi::RangeError::New(env, "lane index").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    LaneSlot& l = lanes_[i];
    size_t cb, rb, sb;
    auto* control = typed_data<uint32_t>(info[1], &cb);
    auto* req = typed_data<uint8_t>(info[2], &rb);
    auto* resp = typed_data<uint8_t>(info[3], &sb);
    if (!control || !req || !resp || cb < brigade::bridge::kControlWords * 4 || (rb & (rb - 1)) != 0 || (sb & (sb - 1)) != 0 || rb < 65536 ||
        sb < 65536) {
      Napi::RangeError::New(env, "attachLane: bad ring sizes").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    l.control_ref = Napi::Persistent(info[1]);
    l.req_ref = Napi::Persistent(info[2]);
    l.resp_ref = Napi::Persistent(info[3]);
    uint32_t max_slabs = info[5].IsNumber() ? info[5].As<Napi::Number>().Uint32Value() : 16384;
    // Slabs are never handed back to the OS while JS may hold a view of them.
    l.slabs = std::make_shared<SlabAllocator>(max_slabs, UINT64_MAX);
    l.slab_buffers.resize(static_cast<size_t>(max_slabs) + 1);
    brigade::bridge::Doorbell* bell;
    if (looper_) {
      l.inline_bell = std::make_unique<InlineDoorbell>(env, info[4].As<Napi::Function>());
      bell = l.inline_bell.get();
    } else {
      auto tsfn = Napi::ThreadSafeFunction::New(env, info[4].As<Napi::Function>(), "brigade-doorbell", 0, 1);
      l.bell = std::make_unique<TsfnDoorbell>(std::move(tsfn));
      bell = l.bell.get();
    }
    l.lane = std::make_unique<brigade::bridge::Lane>(control, req, static_cast<uint32_t>(rb), resp,
                                                    static_cast<uint32_t>(sb), l.slabs.get(), bell);
    return env.Undefined();
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<brigade::bridge::Lane*> lanes;
    for (auto& l : lanes_) {
      if (!l.lane) {
        Napi::Error::New(env, "start: every lane must be attached").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      lanes.push_back(l.lane.get());
    }
    if (looper_) {
      auto looper = std::make_unique<brigade::mpm::LooperMpm>(config_, listen_fd_, lanes[0]);
      uv_loop_t* loop = nullptr;
      if (!looper->start() || napi_get_uv_event_loop(env, &loop) != napi_ok ||
          !(driver_ = LooperDriver::Create(loop, looper.get()))) {
        Napi::Error::New(env, "start: could not start the looper").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      looper_mpm_ = looper.get();
      mpm_ = std::move(looper);
      driver_->Rearm();
      return env.Undefined();
    }
    if (mpm_name_ == "worker") {
      mpm_ = std::make_unique<brigade::mpm::WorkerMpm>(config_, listen_fd_, std::move(lanes));
    } else if (mpm_name_ == "leader") {
      mpm_ = std::make_unique<brigade::mpm::LeaderMpm>(config_, listen_fd_, std::move(lanes));
    } else {
      mpm_ = std::make_unique<brigade::mpm::EventMpm>(config_, listen_fd_, std::move(lanes));
    }
    if (!mpm_->start()) {
      mpm_.reset();
      Napi::Error::New(env, "start: could not create poller").ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // allocSlab(lane, minBytes) -> slab id (0 when exhausted). The producer
  // reference (refs = 1) is dropped by a RETIRE message once JS moves on.
  Napi::Value AllocSlab(const Napi::CallbackInfo& info) {
    uint32_t i = info[0].As<Napi::Number>().Uint32Value();
    double want = info[1].As<Napi::Number>().DoubleValue();
    if (i >= lanes_.size() || !lanes_[i].slabs) return Napi::Number::New(info.Env(), 0);
    brigade::buckets::Slab* s = lanes_[i].slabs->allocate(static_cast<size_t>(want));
    if (!s) return Napi::Number::New(info.Env(), 0);
    s->refs = 1;
    return Napi::Number::New(info.Env(), s->id);
  }

  // slabBuffer(lane, id) -> the one ArrayBuffer over that slab's memory.
  Napi::Value SlabBuffer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t i = info[0].As<Napi::Number>().Uint32Value();
    uint32_t id = info[1].As<Napi::Number>().Uint32Value();
    if (i >= lanes_.size() || !lanes_[i].slabs) return env.Undefined();
    LaneSlot& l = lanes_[i];
    brigade::buckets::Slab* s = l.slabs->by_id(id);
    if (!s || id >= l.slab_buffers.size()) return env.Undefined();
    if (!l.slab_buffers[id].IsEmpty()) return l.slab_buffers[id].Value();
    // The buffer keeps the allocator (and so the slab memory) alive until it is collected.
    auto keep = std::make_unique<std::shared_ptr<SlabAllocator>>(l.slabs);
    auto ab = Napi::ArrayBuffer::New(
        env, s->data, s->capacity,
        [](Napi::Env, void*, std::shared_ptr<SlabAllocator>* hint) { std::unique_ptr<std::shared_ptr<SlabAllocator>> drop(hint); },
        keep.get());
    keep.release();
    l.slab_buffers[id] = Napi::Persistent(ab);
    return ab;
  }

  // setStaticMounts(mounts, mime: string[] (ext, type, ext, type...), { cacheEntries, validMs })
  // Before start(): the mounts the native static fast path serves (src/static/native-mounts.ts).
  Napi::Value SetStaticMounts(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (mpm_ || !info[0].IsArray() || !info[1].IsArray()) {
      Napi::Error::New(env, "setStaticMounts: (mounts[], mime[]) before start()").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto strings = [](const Napi::Value& v) {
      std::vector<std::string> out;
      if (!v.IsArray()) return out;
      Napi::Array a = v.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(a.Get(i).ToString().Utf8Value());
      return out;
    };
    std::vector<brigade::statics::Mount> mounts;
    Napi::Array list = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object o = list.Get(i).As<Napi::Object>();
      brigade::statics::Mount m;
      m.prefix = o.Get("prefix").ToString().Utf8Value();
      m.root = o.Get("root").ToString().Utf8Value();
      m.dotfiles = static_cast<brigade::statics::Dotfiles>(opt_u32(o, "dotfiles", 0));
      m.follow_symlinks = o.Get("followSymlinks").ToBoolean();
      m.ranges = o.Get("ranges").ToBoolean();
      m.precompressed = o.Get("precompressed").ToBoolean();
      m.cache_control = o.Get("cacheControl").ToString().Utf8Value();
      m.exclude_exact = strings(o.Get("excludeExact"));
      m.exclude_prefix = strings(o.Get("excludePrefix"));
      mounts.push_back(std::move(m));
    }
    std::unordered_map<std::string, std::string> mime;
    std::vector<std::string> flat = strings(info[1]);
    for (size_t i = 0; i + 1 < flat.size(); i += 2) mime.emplace(flat[i], flat[i + 1]);
    Napi::Object opts = info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
    // The cache budget (open descriptors) is per server: thread-per-connection
    // MPMs split it over their many loops.
    const uint32_t total = opt_u32(opts, "cacheEntries", 1024);
    const size_t per_loop = std::max<size_t>(1, total / std::max<size_t>(1, lanes_.size()));
    const uint32_t valid_ms = opt_u32(opts, "validMs", 1000);
    if (mounts.empty()) {
      config_.statics.reset();
    } else {
      const bool per_connection_loops = mpm_name_ == "worker" || mpm_name_ == "leader";
      statics_ = std::make_shared<brigade::statics::StaticMounts>(std::move(mounts), std::move(mime), per_loop, valid_ms,
                                                                  per_connection_loops);
      config_.statics = statics_;
    }
    return env.Undefined();
  }

  // Routes changed while running: the exclusions computed at listen() may be stale.
  Napi::Value DisableStaticFastPath(const Napi::CallbackInfo& info) {
    if (statics_) statics_->disable();
    return info.Env().Undefined();
  }

  Napi::Value LaneCount(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(lanes_.size()));
  }

  Napi::Value Wake(const Napi::CallbackInfo& info) {
    if (driver_) {
      driver_->Turn();
    } else if (mpm_) {
      mpm_->wake(info[0].As<Napi::Number>().Uint32Value());
    }
    return info.Env().Undefined();
  }
  // drain(closeIdle = true, shutListener = true). After a hand-over the old
  // server drains with both false (the socket is the new server's now), and
  // later with closeIdle once the idle grace is over.
  Napi::Value Drain(const Napi::CallbackInfo& info) {
    const bool close_idle = !info[0].IsBoolean() || info[0].As<Napi::Boolean>().Value();
    const bool shut_listener = !info[1].IsBoolean() || info[1].As<Napi::Boolean>().Value();
    if (mpm_) mpm_->begin_drain(close_idle);
    // New connections are refused from now on, not left waiting in the backlog
    // (the pollers drop the listener at their next turn; accept then fails).
    if (listen_fd_ >= 0 && shut_listener) ::shutdown(listen_fd_, SHUT_RD);
    if (driver_) driver_->Turn();
    return info.Env().Undefined();
  }
  Napi::Value AbortAll(const Napi::CallbackInfo& info) {
    if (mpm_) mpm_->abort_all();
    if (driver_) driver_->Turn();
    return info.Env().Undefined();
  }
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Shutdown();
    // Nothing runs a turn any more. The doorbell callback closes over the JS
    // lane, which holds this object: while the persistent reference to it
    // lived, this object — and with it the rings and slabs — could never be
    // collected (one server's worth of memory lost per reload).
    for (auto& l : lanes_) {
      l.lane.reset();
      l.inline_bell.reset();
      l.bell.reset();
    }
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    constexpr int kStats = 17;
    uint64_t v[kStats] = {0};
    const char* names[kStats] = {"connectionsOpen", "connectionsTotal", "requestsTotal", "responsesTotal",
                                 "bytesWritten",    "fileFdsOpen",      "abortedTotal",  "errorsTotal",
                                 "timeoutsTotal",   "staleResponses",   "reading",       "writing",
                                 "keepAlive",       "lingering",        "inputBufferedBytes",
                                 "fileReadsOffloaded", "staticFastHits"};
    if (mpm_) {
      for (uint32_t i = 0; i < mpm_->lanes(); ++i) {
        const auto& s = mpm_->stats(i);
        const std::atomic<uint64_t>* f[kStats] = {&s.connections_open, &s.connections_total, &s.requests_total,
                                                  &s.responses_total,  &s.bytes_written,     &s.file_fds_open,
                                                  &s.aborted_total,    &s.errors_total,      &s.timeouts_total,
                                                  &s.stale_responses,  &s.reading,           &s.writing,
                                                  &s.keepalive,        &s.lingering,         &s.input_buffered,
                                                  &s.file_reads_offloaded, &s.static_fast_hits};
        for (int k = 0; k < kStats; ++k) v[k] += f[k]->load(std::memory_order_relaxed);
      }
    }
    for (int k = 0; k < kStats; ++k) o.Set(names[k], Napi::Number::New(env, static_cast<double>(v[k])));
    Napi::Object slab = Napi::Object::New(env);
    brigade::buckets::SlabStats t;
    for (auto& l : lanes_) {
      if (!l.slabs) continue;
      auto s = l.slabs->stats();
      t.slabs_total += s.slabs_total;
      t.slabs_in_use += s.slabs_in_use;
      t.bytes_in_use += s.bytes_in_use;
      t.bytes_reserved += s.bytes_reserved;
      t.remote_frees += s.remote_frees;
      t.local_frees += s.local_frees;
      t.allocations += s.allocations;
    }
    slab.Set("slabsTotal", Napi::Number::New(env, static_cast<double>(t.slabs_total)));
    slab.Set("slabsInUse", Napi::Number::New(env, static_cast<double>(t.slabs_in_use)));
    slab.Set("bytesInUse", Napi::Number::New(env, static_cast<double>(t.bytes_in_use)));
    slab.Set("bytesReserved", Napi::Number::New(env, static_cast<double>(t.bytes_reserved)));
    slab.Set("remoteFrees", Napi::Number::New(env, static_cast<double>(t.remote_frees)));
    slab.Set("localFrees", Napi::Number::New(env, static_cast<double>(t.local_frees)));
    slab.Set("allocations", Napi::Number::New(env, static_cast<double>(t.allocations)));
    o.Set("slabs", slab);
    if (tls_) {
      const auto& k = tls_->counters;
      Napi::Object t = Napi::Object::New(env);
      auto put = [&](const char* name, const std::atomic<uint64_t>& v) {
        t.Set(name, Napi::Number::New(env, static_cast<double>(v.load(std::memory_order_relaxed))));
      };
      put("handshakes", k.handshakes);
      put("handshakeFailures", k.handshake_failures);
      put("resumed", k.resumed);
      put("plainHttp", k.plain_http);
      put("tls13", k.tls13);
      put("tls12", k.tls12);
      put("userspace", k.userspace);
      put("ktls", k.ktls);
      put("ktlsSoftware", k.ktls_software);
      put("ktlsFailures", k.ktls_failures);
      put("ktlsUnavailable", k.ktls_unavailable);
      put("ktlsKeyUpdateCloses", k.ktls_key_update_closes);
      put("ktlsHandoffRecords", k.ktls_handoff_records);
      t.Set("kernelKtls", Napi::Boolean::New(env, tls_->kernel_has_ktls()));
      o.Set("tls", t);
    }
    return o;
  }

  // reloadTls(options): new connections use the new certificates; established
  // ones keep theirs. Throws (and keeps the old ones) when they are unusable.
  Napi::Value ReloadTls(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!tls_ || !info[0].IsObject()) {
      Napi::Error::New(env, "reloadTls: this server has no TLS").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::string err;
    if (!tls_->reload(read_tls_options(info[0].As<Napi::Object>()), &err))
      Napi::Error::New(env, "tls: " + err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // Status scoreboard: kLaneStatsFields doubles per lane (conn/lane_stats.h).
  Napi::Value LaneStats(const Napi::CallbackInfo& info) {
    const uint32_t n = mpm_ ? mpm_->lanes() : 0;
    auto out = Napi::Float64Array::New(info.Env(), n * brigade::conn::kLaneStatsFields);
    for (uint32_t i = 0; i < n; ++i) brigade::conn::fill_lane_stats(mpm_->stats(i), out.Data() + i * brigade::conn::kLaneStatsFields);
    return out;
  }

  napi_env env_;
  brigade::conn::ServerConfig config_;
  std::shared_ptr<brigade::statics::StaticMounts> statics_;
  uint32_t io_threads_ = 1;
  int listen_fd_ = -1;
  std::vector<LaneSlot> lanes_;
  std::unique_ptr<brigade::tls::TlsServer> tls_;  // declared before mpm_: outlives the loops using it
  std::unique_ptr<brigade::mpm::Mpm> mpm_;
  bool looper_ = false;
  std::string mpm_name_;
  brigade::mpm::LooperMpm* looper_mpm_ = nullptr;
  LooperDriver* driver_ = nullptr;  // owned by libuv (freed when its handles close)
};

// WholeBodyDeflater(format: 'gzip' | 'deflate', level): the compress filter's
// one-call path for small complete bodies (src/filters/compress.ts).
// compress(parts: Uint8Array[]) returns a new Buffer with the whole stream.
class DeflaterWrap : public Napi::ObjectWrap<DeflaterWrap> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "WholeBodyDeflater", {InstanceMethod("compress", &DeflaterWrap::Compress)});
  }

  explicit DeflaterWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeflaterWrap>(info) {
    Napi::Env env = info.Env();
    const std::string format = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    const int level = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -2;
    if ((format != "gzip" && format != "deflate") || level < 0 || level > 9) {
      Napi::TypeError::New(env, "WholeBodyDeflater(format: 'gzip' | 'deflate', level: 0-9)").ThrowAsJavaScriptException();
      return;
    }
    deflater_ = std::make_unique<brigade::compress::WholeBodyDeflater>(
        format == "gzip" ? brigade::compress::DeflateFormat::kGzip : brigade::compress::DeflateFormat::kZlib, level);
  }

 private:
  Napi::Value Compress(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!deflater_ || !info[0].IsArray()) {
      Napi::TypeError::New(env, "compress(parts: Uint8Array[])").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Array parts = info[0].As<Napi::Array>();
    // zlib counts in 32 bits; the filter only sends bodies up to its syncLimit.
    constexpr size_t kMaxTotal = size_t{1} << 30;
    pieces_.clear();
    size_t total = 0;
    for (uint32_t i = 0; i < parts.Length(); ++i) {
      Napi::Value v = parts.Get(i);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        Napi::TypeError::New(env, "compress: every part must be a Uint8Array").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      auto a = v.As<Napi::Uint8Array>();
      total += a.ByteLength();
      if (total > kMaxTotal) {
        Napi::RangeError::New(env, "compress: body over 1 GiB").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      pieces_.push_back({a.Data(), a.ByteLength()});
    }
    const std::vector<uint8_t>* out = deflater_->compress(pieces_);
    pieces_.clear();
    if (!out) {
      Napi::Error::New(env, "compress: zlib failed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Buffer<uint8_t>::Copy(env, out->data(), out->size());
  }

  std::unique_ptr<brigade::compress::WholeBodyDeflater> deflater_;
  std::vector<brigade::compress::ByteRange> pieces_;
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeServer", NativeServer::Init(env));
  exports.Set("WholeBodyDeflater", DeflaterWrap::Init(env));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(brigade, InitModule)
