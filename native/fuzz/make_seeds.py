#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into native/fuzz/corpus/<target>/.

Seeds are named seed-<name>; files the fuzzer found (merged with
`scripts/fuzz.sh merge`) have sha1 names and are left alone. Re-running this
script rewrites only the seed-* files. Input formats: native/fuzz/README.md.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ------------------------------------------------------------- fuzz_parser ---
# byte 0 flags (bits0-1 limits 0 default/1 tiny/2 small, bit2 body-only, bit3
# body-only Content-Length, bits4-7 span choice), u16 split 1, u16 split 2, data.

def P(name, data, flags=0, s1=7, s2=13):
    if isinstance(data, str):
        data = data.encode("latin1")
    write("fuzz_parser", name, bytes([flags]) + struct.pack("<HH", s1, s2) + data)


H = "Host: example.com\r\n"


def req(line, *fields, body=""):
    return line + "\r\n" + "".join(f + "\r\n" for f in fields) + "\r\n" + body


parser_seeds = {
    # valid
    "get": req("GET / HTTP/1.1", "Host: a"),
    "get-query": req("GET /a/b?x=1&y=%20 HTTP/1.1", H.strip(), "Accept: */*", "X-Empty:", "X-Pad: \t v \t"),
    "browser": req("GET /assets/app.js?v=1 HTTP/1.1", "Host: www.example.com",
                   "User-Agent: Mozilla/5.0 (X11; Linux x86_64)", "Accept-Encoding: gzip, deflate, br",
                   "Accept-Language: en-US,en;q=0.9", "Connection: keep-alive"),
    "head": req("HEAD /x HTTP/1.1", "Host: a"),
    "http10": req("GET / HTTP/1.0"),
    "http10-keepalive": req("GET / HTTP/1.0", "Connection: Keep-Alive"),
    "close": req("GET / HTTP/1.1", "Host: a", "Connection: foo, close"),
    "options-star": req("OPTIONS * HTTP/1.1", "Host: a"),
    "connect": req("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"),
    "absolute": req("GET http://example.com:8080/p?q HTTP/1.1", "Host: example.com:8080"),
    "absolute-nopath": req("GET HTTPS://[::1]:8443?a=b HTTP/1.1", "Host: [::1]"),
    "unknown-method": req("PROPFIND /dav HTTP/1.1", "Host: a"),
    "leading-crlf": "\r\n\r\n" + req("GET / HTTP/1.1", "Host: a"),
    "obs-text": req("GET / HTTP/1.1", "Host: a", "X-Name: caf\xc3\xa9\tbar"),
    "expect": req("PUT /up HTTP/1.1", "Host: a", "Content-Length: 3", "Expect: 100-continue", body="abc"),
    "upgrade": req("GET /ws HTTP/1.1", "Host: a", "Connection: keep-alive, Upgrade", "Upgrade: websocket"),
    "post-cl": req("POST /f HTTP/1.1", "Host: a", "Content-Length: 11", body="hello world"),
    "post-cl-list": req("POST /f HTTP/1.1", "Host: a", "Content-Length: 5, 5", "Content-Length: 5", body="hellonext"),
    "post-chunked": req("POST /c HTTP/1.1", "Host: a", "Transfer-Encoding: chunked",
                        body="5\r\nhello\r\n6;ext=1;q=\"a;b\"\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.1\r\n"),
    "post-chunked-te-list": req("POST /c HTTP/1.1", "Host: a", "Transfer-Encoding: , chunked",
                                body="A\r\n0123456789\r\n0\r\n\r\n"),
    "pipelined": req("GET /1 HTTP/1.1", "Host: a") + req("GET /2 HTTP/1.1", "Host: a"),
    # 400
    "bare-lf": "GET / HTTP/1.1\nHost: a\n\n",
    "bare-cr": "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
    "obs-fold": req("GET / HTTP/1.1", "Host: a", "X: a", " b"),
    "space-colon": req("GET / HTTP/1.1", "Host : a"),
    "ctl-value": req("GET / HTTP/1.1", "Host: a", "X: a\x01b"),
    "nul-value": req("GET / HTTP/1.1", "Host: a", "X: a\x00b"),
    "bad-name": req("GET / HTTP/1.1", "Host: a", "X(Y): b"),
    "te-cl": req("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Content-Length: 3", body="abc"),
    "te-not-final": req("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked, gzip"),
    "te-twice": req("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
    "te-http10": req("POST / HTTP/1.0", "Transfer-Encoding: chunked", body="0\r\n\r\n"),
    "cl-differ": req("POST / HTTP/1.1", "Host: a", "Content-Length: 3", "Content-Length: 4"),
    "cl-bad": req("POST / HTTP/1.1", "Host: a", "Content-Length: +3"),
    "cl-huge": req("POST / HTTP/1.1", "Host: a", "Content-Length: 99999999999999999999"),
    "no-host": req("GET / HTTP/1.1", "Accept: */*"),
    "two-hosts": req("GET / HTTP/1.1", "Host: a", "host: b"),
    "bad-host": req("GET / HTTP/1.1", "Host: a b"),
    "bad-version": req("GET / HTTP/1.10", "Host: a"),
    "bad-method": req("G(T / HTTP/1.1", "Host: a"),
    "bad-target": req("GET /a\x7fb HTTP/1.1", "Host: a"),
    "userinfo": req("GET http://u@a/ HTTP/1.1", "Host: a"),
    "connect-origin": req("CONNECT / HTTP/1.1", "Host: a"),
    "star-get": req("GET * HTTP/1.1", "Host: a"),
    "double-space": req("GET  / HTTP/1.1", "Host: a"),
    "http09": "GET /\r\n\r\n",
    "many-empty": "\r\n\r\n\r\n" + req("GET / HTTP/1.1", "Host: a"),
    # 501 / 505
    "te-gzip-chunked": req("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, chunked", body="0\r\n\r\n"),
    "http2": req("GET / HTTP/2.0", "Host: a"),
}
for k, v in parser_seeds.items():
    P(k, v)
# limits (tiny profile: line 24, head 64, 2 fields, body 16)
P("tiny-414", req("GET /" + "a" * 30 + " HTTP/1.1", "Host: a"), flags=1)
P("tiny-431-fields", req("GET / HTTP/1.1", "Host: a", "A: 1", "B: 2"), flags=1)
P("tiny-431-head", req("GET / HTTP/1.1", "Host: a", "X: " + "v" * 60), flags=1)
P("tiny-413", req("POST / HTTP/1.1", "Host: a", "Content-Length: 17"), flags=1)
P("tiny-chunked-413", req("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked",
                          body="9\r\n123456789\r\n9\r\n123456789\r\n0\r\n\r\n"), flags=1)
P("small-ok", req("POST /s HTTP/1.1", "Host: a", "Content-Length: 4", body="abcd"), flags=2)
# body-only mode
P("body-chunked", "3;a=b;c=\"x;y\\\"z\"\r\nabc\r\n00\r\nTrailer: v\r\nX-2:\r\n\r\nNEXT", flags=4 | 0x10)
P("body-chunked-ws", "A \t; ext\r\n0123456789\r\n1\r\nz\r\n0\r\n\r\n", flags=4 | 0x20)
P("body-chunked-bad", "3\r\nabcd\r\n0\r\n\r\n", flags=4)
P("body-chunked-hex", "7FFFFFFFFFFFFFFF\r\nab", flags=4)
P("body-chunked-lf", "3\nabc\r\n0\r\n\r\n", flags=4)
P("body-trailer-fold", "0\r\nX: y\r\n z\r\n\r\n", flags=4)
P("body-length", "hello world, and then the next request", flags=4 | 8, s1=11)

# ---------------------------------------------------------- fuzz_connection ---
# TURN is two loop turns: a connection accepted in one turn reports its first
# readable edge in the next.
CONNECT, TURN, DRAIN, GRACEFUL, RETIRE, ABORT = b"\x00", b"\x03\x03", b"\x04", b"\x0a", b"\x0b", b"\x0c"


def WRITE(c, data):
    if isinstance(data, str):
        data = data.encode("latin1")
    assert len(data) < 4096
    return b"\x01" + bytes([c]) + struct.pack("<H", len(data)) + data


def REPEAT(c, n): return b"\x02" + bytes([c, n])
def RESPOND(sel, flags, size): return b"\x05" + bytes([sel, flags, size])
def CLOCK(v): return b"\x06" + bytes([v])
def READ(c): return b"\x07" + bytes([c])
def SHUT(c): return b"\x08" + bytes([c])
def CLOSE(c): return b"\x09" + bytes([c])


def C(name, ops, cfg0=0, cfg1=0xFF):
    write("fuzz_connection", name, bytes([cfg0, cfg1]) + b"".join(ops))


G = req("GET / HTTP/1.1", "Host: a")
FIN = RESPOND(0, 0x0C, 20)  # finish with a pool
C("get", [CONNECT, WRITE(0, G), TURN, DRAIN, FIN, TURN, READ(0)])
C("get-inline-sync", [CONNECT, WRITE(0, G * 3), TURN, TURN, READ(0)], cfg0=0x03)
C("pipelined-6", [CONNECT, WRITE(0, G * 6), TURN, DRAIN, RESPOND(3, 0x0C, 5), RESPOND(0, 0x0C, 5), TURN,
                  DRAIN, RESPOND(0, 0x0C, 9), RESPOND(0, 0x0C, 9), TURN, DRAIN, FIN, FIN, TURN, READ(0)])
C("pipelined-1", [CONNECT, WRITE(0, G * 3), TURN, DRAIN, FIN, TURN, DRAIN, FIN, TURN, READ(0)], cfg0=0x08)
C("post-inline", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 5", body="hello")),
                  TURN, DRAIN, FIN, TURN, READ(0)])
C("post-stream", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 9000")),
                  WRITE(0, "x" * 3000), TURN, DRAIN, WRITE(0, "y" * 3000), TURN, DRAIN, WRITE(0, "z" * 3000),
                  TURN, DRAIN, FIN, TURN, READ(0)])
C("post-stream-early-response", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 5000")),
                                 WRITE(0, "x" * 1000), TURN, DRAIN, FIN, TURN, READ(0), WRITE(0, "y" * 4000),
                                 WRITE(0, G), TURN, DRAIN, FIN, TURN, READ(0)])
C("chunked-pieces", [CONNECT, WRITE(0, req("POST /c HTTP/1.1", "Host: a", "Transfer-Encoding: chunked")),
                     WRITE(0, "5\r\nhel"), TURN, DRAIN, WRITE(0, "lo\r\n3;x=\"y\"\r\nabc\r\n"), TURN, DRAIN,
                     WRITE(0, "0\r\nT: v\r\n\r\n" + G), TURN, DRAIN, FIN, FIN, TURN, READ(0)])
C("chunked-bad", [CONNECT, WRITE(0, req("POST /c HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", body="zz\r\n")),
                  TURN, DRAIN, FIN, TURN, READ(0)])
C("expect-continue", [CONNECT, WRITE(0, req("PUT /u HTTP/1.1", "Host: a", "Content-Length: 70000",
                                            "Expect: 100-continue")), TURN, READ(0), WRITE(0, "b" * 4000),
                      REPEAT(0, 17), TURN, DRAIN, TURN, DRAIN, FIN, TURN, READ(0)])
C("malformed-then-more", [CONNECT, WRITE(0, "GET / HTTP/1.1\nHost: a\n\n"), TURN, WRITE(0, G * 2), TURN, READ(0),
                          CLOCK(100)])
C("error-after-pipelined", [CONNECT, WRITE(0, G + G + "BAD\r\n\r\n"), TURN, DRAIN, RESPOND(1, 0x0C, 3), TURN,
                            DRAIN, FIN, TURN, READ(0)])
C("slow-head-408", [CONNECT, WRITE(0, "GET / HTTP/1.1\r\nHo"), TURN, CLOCK(101), CLOCK(101), READ(0)])
C("slow-body-408", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 100") + "abc"), TURN,
                    DRAIN, CLOCK(101), CLOCK(101), DRAIN, FIN, TURN, READ(0)])
C("keepalive-timeout", [CONNECT, WRITE(0, G), TURN, DRAIN, FIN, TURN, READ(0), CLOCK(150), CLOCK(150), READ(0)])
C("idle-fresh", [CONNECT, TURN, CLOCK(120), TURN])
C("graceful-inflight", [CONNECT, CONNECT, WRITE(0, G), WRITE(1, G), TURN, DRAIN, GRACEFUL, TURN, FIN, TURN,
                        READ(0), DRAIN, FIN, TURN, READ(1)])
C("half-close", [CONNECT, WRITE(0, G + G), SHUT(0), TURN, DRAIN, FIN, FIN, TURN, READ(0)])
C("close-mid-body", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 100") + "abc"), TURN,
                     DRAIN, CLOSE(0), TURN, DRAIN, FIN, TURN])
C("close-before-response", [CONNECT, WRITE(0, G * 2), TURN, DRAIN, CLOSE(0), TURN, DRAIN, FIN, FIN, TURN, DRAIN])
C("file-bucket", [CONNECT, WRITE(0, G * 2), TURN, DRAIN, RESPOND(0, 0x2C, 50), RESPOND(0, 0x2C, 250), TURN,
                  READ(0), TURN, READ(0)])
C("split-response", [CONNECT, WRITE(0, G * 2), TURN, DRAIN, RESPOND(1, 0x01, 9), RESPOND(0, 0x01, 9),
                     RESPOND(0, 0x41, 9), RESPOND(1, 0x0C, 9), TURN, RESPOND(0, 0x1C, 9), TURN, READ(0)])
C("no-read-send-timeout", [CONNECT, WRITE(0, G * 4), TURN, DRAIN] + [RESPOND(0, 0x8C, 255)] * 4 +
  [TURN, CLOCK(125), CLOCK(125), TURN], cfg0=0x04)
C("close-flag", [CONNECT, WRITE(0, G * 3), TURN, DRAIN, RESPOND(0, 0x1C, 3), TURN, DRAIN, READ(0), TURN])
C("http10", [CONNECT, WRITE(0, req("GET / HTTP/1.0") + req("GET / HTTP/1.0", "Connection: keep-alive")), TURN,
             DRAIN, FIN, TURN, READ(0)])
C("abort-all", [CONNECT, CONNECT, WRITE(0, G * 2), WRITE(1, req("POST / HTTP/1.1", "Host: a", "Content-Length: 9")),
                TURN, DRAIN, ABORT, TURN, DRAIN, FIN, FIN, TURN])
C("stale-responses", [CONNECT, CONNECT, WRITE(0, G), WRITE(1, G), TURN, DRAIN, CLOSE(0), TURN, FIN, FIN, TURN,
                      READ(1), RETIRE, TURN])
C("keepalive-cap", [CONNECT, WRITE(0, G * 3), TURN, DRAIN, FIN, TURN, DRAIN, READ(0), TURN], cfg0=0x20)
C("cl-413", [CONNECT, WRITE(0, req("POST / HTTP/1.1", "Host: a", "Content-Length: 500")), TURN, READ(0)], cfg1=0xF4)
C("chunked-413", [CONNECT, WRITE(0, req("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked",
                                        body="c8\r\n" + "x" * 200 + "\r\n0\r\n\r\n")), TURN, DRAIN, FIN, TURN,
                  READ(0)], cfg1=0xF4)
C("431-head", [CONNECT, WRITE(0, "GET / HTTP/1.1\r\nHost: a\r\nX: " + "v" * 1100 + "\r\n\r\n"), TURN, READ(0)],
  cfg1=0xF0)
# The smallest request ring the options allow (64 KiB: 16 KiB messages) and a
# 40000-byte body: BODY messages of up to 64 KiB must still fit.
C("small-ring-big-body", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 40000")),
                          WRITE(0, "b" * 4000), REPEAT(0, 9), TURN, DRAIN, TURN, DRAIN, TURN, DRAIN, FIN, TURN,
                          READ(0)], cfg0=0x10, cfg1=0xFC)
C("small-ring-inline-body", [CONNECT, WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 20000")),
                             WRITE(0, "b" * 4000), REPEAT(0, 4), TURN, DRAIN, TURN, DRAIN, FIN, TURN, READ(0)],
  cfg0=0x10, cfg1=0xFC)
C("ring-backpressure", [CONNECT, CONNECT] + [WRITE(0, req("POST /p HTTP/1.1", "Host: a", "Content-Length: 3000")
                                                   + "p" * 3000)] * 2 + [REPEAT(0, 40), TURN, TURN, TURN, DRAIN,
                                                                         TURN, DRAIN, TURN],
  cfg0=0x10, cfg1=0xFC)


# ------------------------------------------------------------- fuzz_static ---
# byte 0 flags (bits: %3 dotfiles policy, 0x02 close, 0x04 HEAD, 0x08/0x10/
# 0x20/0x40 force empty Range/If-Match/If-None-Match/If-Unmodified-Since,
# 0x80 a real mtime), then '\n'-separated fields: path, Range, If-Range,
# If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since,
# Accept-Encoding, file size (decimal).

def S(name, flags, path="/a.txt", rng="", if_range="", if_match="", inm="", ims="", ius="", ae="", size="1024"):
    fields = [path, rng, if_range, if_match, inm, ims, ius, ae, size]
    write("fuzz_static", name, bytes([flags]) + "\n".join(fields).encode("latin1"))


LM = "Tue, 05 Mar 2024 06:07:08 GMT"
ETAG = 'W/"400-18e0d39135b"'
S("plain", 0x80)
S("encoded", 0x80, path="/sp%20ace/%61.txt")
S("traversal", 0x80, path="/a/../../etc/passwd")
S("dotfile-allowed", 0x81, path="/.well-known/x")
S("trailing-slash", 0x80, path="/dir/")
S("bad-escape", 0x80, path="/a%zz%2")
S("range", 0x80, rng="bytes=0-9")
S("range-suffix", 0x80, rng="bytes=-5")
S("range-open", 0x80, rng="bytes=1000-")
S("range-416", 0x80, rng="bytes=5000-")
S("range-list", 0x80, rng="bytes=0-1,5-6")
S("if-range-date", 0x80, rng="bytes=0-9", if_range=LM)
S("if-range-etag", 0x80, rng="bytes=0-9", if_range=ETAG)
S("inm", 0x80, inm=ETAG)
S("inm-list", 0x80, inm='"x", ' + ETAG)
S("ims", 0x80, ims=LM)
S("if-match-star", 0x80, if_match="*")
S("if-match-bad", 0x80, if_match="abc, *")
S("ius", 0x80, ius="Mon, 04 Mar 2024 06:07:08 GMT")
S("ae", 0x80, ae="gzip;q=0.5, br;q=0.8, identity;q=0")
S("ae-star", 0x80, ae="*;q=0")
S("head-412", 0x84, if_match='"x"')
S("empty-file-range", 0x80, rng="bytes=0-", size="0")
