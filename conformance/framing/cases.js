// The framing audit's cases: raw request bytes, each sent on a fresh TCP
// connection to every server, and what counts as handling it correctly.
//
// A case is { id, category, send, expect, tail?, note?, check?, trickle? }:
//   send    the bytes (latin1 string) written at once after connecting
//   tail    what follows the case's bytes on the same connection:
//           'smuggle' — a GET of /smuggled.txt: answering it means the server
//                       read the bytes before it as a complete message and went
//                       on, which it must not for an ambiguous or invalid one
//           'next'    — a valid GET of /small.txt (framing that is allowed either
//                       way: answering it is fine, it shows where the server
//                       thought the message ended)
//   expect  'reject'   — the first final response is 4xx/5xx (or the server
//                        closes without one); nothing after it is answered
//           'accept'   — the first final response is 2xx (a control case)
//           'either'   — RFC lets a server accept or refuse; correct = no
//                        smuggled answer, no hang, no crash
//           'noleak'   — traversal: no byte of the secret file (outside the
//                        docroot) and no /etc/passwd in any answer
//           'timeout'  — slowloris: the server ends the connection itself
//                        within the case's limit while the client is still sending
//           'custom'   — check(outcome) says (ranges: status and body size)
//   trickle { chunk, everyMs, forMs }: after `send`, keep writing `chunk` every
//           everyMs for up to forMs (slowloris)
//   pre     (set by withPipelinedVariants) a valid request goes first, whose 200
//           must come back before the case's own answer
import { SECRET_NAME, SMUGGLED_PATH } from './docroot.js';

const CRLF = '\r\n';
export const SMUGGLE_TAIL = `GET ${SMUGGLED_PATH} HTTP/1.1${CRLF}Host: localhost${CRLF}${CRLF}`;
export const NEXT_TAIL = `GET /small.txt HTTP/1.1${CRLF}Host: localhost${CRLF}Connection: close${CRLF}${CRLF}`;
export const VALID = `GET /small.txt HTTP/1.1${CRLF}Host: localhost${CRLF}${CRLF}`;

/** A head from a request line and header lines (CRLF-joined, blank line at the end) plus a body. */
function msg(line, headers, body = '') {
  return `${line}${CRLF}${headers.map((h) => `${h}${CRLF}`).join('')}${CRLF}${body}`;
}
const get = (headers, body = '', target = '/small.txt') => msg(`GET ${target} HTTP/1.1`, ['Host: localhost', ...headers], body);
const post = (headers, body = '', target = '/small.txt') => msg(`POST ${target} HTTP/1.1`, ['Host: localhost', ...headers], body);

/** Chunked body "HELLO" as a valid message body. */
const CHUNKED_HELLO = `5${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`;

function teCases() {
  const out = [];
  // Transfer-Encoding spellings, alone (the body is chunked "HELLO"): valid
  // ones must be read as chunked (the next request then answered), invalid
  // ones refused. Then each with a Content-Length as well: the message is
  // ambiguous, so whatever the server does, the bytes after must not be served.
  const spellings = [
    ['te-chunked', 'Transfer-Encoding: chunked', 'accept'],
    ['te-Chunked-case', 'Transfer-Encoding: Chunked', 'accept'],
    ['te-CHUNKED-case', 'Transfer-Encoding: CHUNKED', 'accept'],
    ['te-leading-space', 'Transfer-Encoding:  chunked', 'accept'],
    ['te-trailing-htab', 'Transfer-Encoding: chunked\t', 'accept'],
    ['te-no-space', 'Transfer-Encoding:chunked', 'accept'],
    ['te-xchunked', 'Transfer-Encoding: xchunked', 'reject'],
    ['te-chunkedx', 'Transfer-Encoding: chunkedx', 'reject'],
    ['te-chunked-identity', 'Transfer-Encoding: chunked, identity', 'reject'],
    ['te-identity-chunked', 'Transfer-Encoding: identity, chunked', 'reject'],
    ['te-identity', 'Transfer-Encoding: identity', 'reject'],
    ['te-gzip-chunked', 'Transfer-Encoding: gzip, chunked', 'reject'],
    ['te-chunked-gzip', 'Transfer-Encoding: chunked, gzip', 'reject'],
    ['te-chunked-chunked', 'Transfer-Encoding: chunked, chunked', 'reject'],
    ['te-quoted', 'Transfer-Encoding: "chunked"', 'reject'],
    ['te-param', 'Transfer-Encoding: chunked;q=1', 'reject'],
    ['te-empty', 'Transfer-Encoding:', 'reject'],
    ['te-vtab', 'Transfer-Encoding: \x0bchunked', 'reject'],
    ['te-nul', 'Transfer-Encoding: chunked\x00', 'reject'],
    ['te-space-before-colon', 'Transfer-Encoding : chunked', 'reject'],
    ['te-obs-fold', 'Transfer-Encoding:\r\n chunked', 'reject'],
    ['te-obs-fold-after-x', 'Transfer-Encoding: x\r\n chunked', 'reject'],
    ['te-underscore-name', 'Transfer_Encoding: chunked', 'either'],
    ['te-dup-lines', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 'reject'],
    ['te-dup-identity-then-chunked', 'Transfer-Encoding: identity\r\nTransfer-Encoding: chunked', 'reject'],
    ['te-dup-chunked-then-x', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: x', 'reject'],
  ];
  for (const [id, h, expect] of spellings) {
    out.push({ id: `${id}`, category: 'te', send: get([h], CHUNKED_HELLO), tail: expect === 'accept' ? 'next' : 'smuggle', expect });
    // With a Content-Length that covers exactly the chunked body.
    // (A field that is not Transfer-Encoding at all leaves the Content-Length
    // framing intact: the bytes after are then a real next request.)
    out.push({
      id: `${id}+cl`,
      category: 'cl-te',
      send: get(['Content-Length: ' + CHUNKED_HELLO.length, h], CHUNKED_HELLO),
      tail: /^Transfer-Encoding/i.test(h) ? 'smuggle' : 'next',
      expect: 'either',
      note: 'Transfer-Encoding with Content-Length: reject, or use chunked and close after (RFC 9112 §6.3 (3))',
    });
  }
  // Classic desync shapes: the Content-Length says less/more than the chunked body.
  out.push({ id: 'cl-te-cl-short', category: 'cl-te', send: get(['Content-Length: 3', 'Transfer-Encoding: chunked'], `0${CRLF}${CRLF}`), tail: 'smuggle', expect: 'either' });
  out.push({ id: 'te-cl-order', category: 'cl-te', send: get(['Transfer-Encoding: chunked', 'Content-Length: 4'], `5c${CRLF}`), tail: 'smuggle', expect: 'either' });
  out.push({ id: 'cl-te-smuggle-in-body', category: 'cl-te', send: get(['Content-Length: 6', 'Transfer-Encoding: chunked'], `0${CRLF}${CRLF}X`), tail: 'smuggle', expect: 'either' });
  out.push({ id: 'te-http10', category: 'te', send: `GET /small.txt HTTP/1.0${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}${CHUNKED_HELLO}`, tail: 'smuggle', expect: 'either', note: 'RFC 9112 §6.1: TE in a 1.0 request is faulty framing; the connection must close' });
  out.push({ id: 'te-http10+cl', category: 'cl-te', send: `GET /small.txt HTTP/1.0${CRLF}Content-Length: 5${CRLF}Transfer-Encoding: chunked${CRLF}Connection: keep-alive${CRLF}${CRLF}0${CRLF}${CRLF}`, tail: 'smuggle', expect: 'either' });
  out.push({ id: 'te-post-chunked-valid', category: 'te', send: post(['Transfer-Encoding: chunked'], CHUNKED_HELLO), tail: 'next', expect: 'either' });
  return out;
}

function clCases() {
  const body = 'HELLO';
  const rows = [
    ['cl-valid', ['Content-Length: 5'], 'accept'],
    ['cl-zero', ['Content-Length: 0'], 'accept'],
    ['cl-leading-zeros', ['Content-Length: 0005'], 'either'],
    ['cl-leading-space', ['Content-Length:  5'], 'accept'],
    ['cl-trailing-space', ['Content-Length: 5 '], 'accept'],
    ['cl-plus', ['Content-Length: +5'], 'reject'],
    ['cl-minus', ['Content-Length: -5'], 'reject'],
    ['cl-hex', ['Content-Length: 0x5'], 'reject'],
    ['cl-inner-space', ['Content-Length: 5 5'], 'reject'],
    ['cl-list-same', ['Content-Length: 5,5'], 'either'],
    ['cl-list-same-spaced', ['Content-Length: 5, 5'], 'either'],
    ['cl-list-different', ['Content-Length: 5,6'], 'reject'],
    ['cl-dup-same', ['Content-Length: 5', 'Content-Length: 5'], 'either'],
    ['cl-dup-different', ['Content-Length: 5', 'Content-Length: 6'], 'reject'],
    ['cl-dup-different-rev', ['Content-Length: 6', 'Content-Length: 5'], 'reject'],
    ['cl-decimal', ['Content-Length: 5.0'], 'reject'],
    ['cl-empty', ['Content-Length:'], 'reject'],
    ['cl-letters', ['Content-Length: five'], 'reject'],
    ['cl-trailing-letter', ['Content-Length: 5a'], 'reject'],
    ['cl-huge', ['Content-Length: 99999999999999999999999'], 'reject'],
    ['cl-2pow64', ['Content-Length: 18446744073709551621'], 'reject'],
    ['cl-2pow63', ['Content-Length: 9223372036854775812'], 'reject'],
    ['cl-quoted', ['Content-Length: "5"'], 'reject'],
    ['cl-vtab', ['Content-Length: \x0b5'], 'reject'],
    ['cl-obs-fold', ['Content-Length:\r\n 5'], 'reject'],
    ['cl-space-before-colon', ['Content-Length : 5'], 'reject'],
    ['cl-nul', ['Content-Length: 5\x00'], 'reject'],
  ];
  const out = rows.map(([id, headers, expect]) => ({
    id,
    category: 'content-length',
    send: get(headers, body),
    tail: expect === 'reject' ? 'smuggle' : 'next',
    expect,
  }));
  // The end of a connection: nothing after a Connection: close request (or an
  // HTTP/1.0 one without keep-alive) may be answered.
  out.push({ id: 'conn-close-then-request', category: 'content-length', send: get(['Connection: close']), tail: 'smuggle', expect: 'accept' });
  out.push({ id: 'conn-close-list-then-request', category: 'content-length', send: get(['Connection: keep-alive, close']), tail: 'smuggle', expect: 'accept' });
  out.push({ id: 'http10-then-request', category: 'content-length', send: 'GET /small.txt HTTP/1.0\r\n\r\n', tail: 'smuggle', expect: 'accept' });
  out.push({ id: 'http10-body-then-request', category: 'content-length', send: 'POST /small.txt HTTP/1.0\r\nContent-Length: 5\r\n\r\nHELLO', tail: 'smuggle', expect: 'either' });
  out.push({ id: 'cl-get-zero-pipelined', category: 'content-length', send: get(['Content-Length: 0']), tail: 'next', expect: 'accept' });
  // A body that is longer than its Content-Length: the rest is the next request.
  out.push({ id: 'cl-body-then-request', category: 'content-length', send: post(['Content-Length: 5'], body), tail: 'next', expect: 'either' });
  // A Content-Length above what is sent, then the client waits: nothing smuggled
  // from inside the body (the tail is body bytes for a correct server).
  out.push({ id: 'cl-larger-than-sent', category: 'content-length', send: get(['Content-Length: 200'], body), tail: 'smuggle', expect: 'either' });
  return out;
}

function chunkCases() {
  const te = 'Transfer-Encoding: chunked';
  const rows = [
    ['chunk-valid', `5${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'accept'],
    ['chunk-leading-zeros', `0005${CRLF}HELLO${CRLF}0000${CRLF}${CRLF}`, 'either'],
    ['chunk-uppercase-hex', `A${CRLF}HELLOHELLO${CRLF}0${CRLF}${CRLF}`, 'accept'],
    ['chunk-overflow-64', `10000000000000005${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-overflow-ffff', `FFFFFFFFFFFFFFFF${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-negative', `-5${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-0x', `0x5${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-plus', `+5${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-leading-space', ` 5${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-trailing-space', `5 ${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'either'],
    ['chunk-empty-size', `${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-not-hex', `g${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-ext-valid', `5;name=value${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'either'],
    ['chunk-ext-bare-lf', `5;a\nb${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-ext-bare-cr', `5;a\rb${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-ext-nul', `5;a\x00${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-size-bare-lf', `5\nHELLO${CRLF}0${CRLF}${CRLF}`, 'either'],
    ['chunk-size-bare-cr', `5\rHELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-data-no-crlf', `5${CRLF}HELLO0${CRLF}${CRLF}`, 'reject'],
    ['chunk-data-too-long', `3${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-data-bare-lf', `5${CRLF}HELLO\n0${CRLF}${CRLF}`, 'either'],
    ['chunk-data-bare-cr', `5${CRLF}HELLO\r0${CRLF}${CRLF}`, 'reject'],
    ['chunk-last-bare-lf', `5${CRLF}HELLO${CRLF}0\n\n`, 'either'],
    ['chunk-trailer-valid', `5${CRLF}HELLO${CRLF}0${CRLF}X-T: 1${CRLF}${CRLF}`, 'either'],
    ['chunk-trailer-obs-fold', `5${CRLF}HELLO${CRLF}0${CRLF}X-T: 1${CRLF} 2${CRLF}${CRLF}`, 'either'],
    ['chunk-trailer-no-colon', `5${CRLF}HELLO${CRLF}0${CRLF}garbage${CRLF}${CRLF}`, 'either'],
    ['chunk-huge-size', `FFFFFFFF${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-ext-long-16k', `5;${'e'.repeat(16 * 1024)}${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'either'],
    ['chunk-ext-quoted-crlf', `5;a="x${CRLF}0${CRLF}${CRLF}"${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`, 'reject'],
    ['chunk-missing-last', `5${CRLF}HELLO${CRLF}`, 'either'],
    ['chunk-many-small', `${'1\r\nA\r\n'.repeat(500)}0${CRLF}${CRLF}`, 'accept'],
  ];
  return rows.map(([id, body, expect]) => ({
    id,
    category: 'chunked',
    send: get([te], body),
    tail: expect === 'reject' ? 'smuggle' : 'next',
    expect,
  }));
}

function syntaxCases() {
  const rows = [
    // Line endings and control bytes.
    ['lf-only-everywhere', 'GET /small.txt HTTP/1.1\nHost: localhost\n\n', 'either'],
    ['lf-after-request-line', 'GET /small.txt HTTP/1.1\nHost: localhost\r\n\r\n', 'either'],
    ['bare-cr-request-line', 'GET /small.txt HTTP/1.1\rHost: localhost\r\n\r\n', 'reject'],
    ['bare-cr-in-value', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\n\r\n', 'reject'],
    ['bare-cr-in-name', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX\rA: a\r\n\r\n', 'reject'],
    ['bare-cr-final-line', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\r\n', 'reject'],
    ['nul-in-target', 'GET /small.txt\x00 HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['nul-in-method', 'G\x00ET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['nul-in-header-value', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n', 'reject'],
    ['nul-in-header-name', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX\x00A: a\r\n\r\n', 'reject'],
    ['ctl-in-target', 'GET /sm\x01all.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['del-in-target', 'GET /sm\x7fall.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['space-in-target', 'GET /small .txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['ctl-in-header-value', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A: a\x1bb\r\n\r\n', 'either'],
    ['esc-in-header-name', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX\x1bA: a\r\n\r\n', 'reject'],
    // Field syntax.
    ['space-before-colon', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A : a\r\n\r\n', 'reject'],
    ['tab-before-colon', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A\t: a\r\n\r\n', 'reject'],
    ['host-space-before-colon', 'GET /small.txt HTTP/1.1\r\nHost : localhost\r\n\r\n', 'reject'],
    ['obs-fold-space', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n', 'either'],
    ['obs-fold-tab', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n\tb\r\n\r\n', 'either'],
    ['ws-before-first-header', 'GET /small.txt HTTP/1.1\r\n Host: localhost\r\n\r\n', 'reject'],
    ['header-no-colon', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n', 'reject'],
    ['header-empty-name', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\n: value\r\n\r\n', 'reject'],
    ['header-name-bracket', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX[A]: a\r\n\r\n', 'either'],
    ['header-name-slash', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX/A: a\r\n\r\n', 'either'],
    ['header-name-quote', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX"A: a\r\n\r\n', 'either'],
    ['header-name-utf8', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-\xc3\xa9: a\r\n\r\n', 'either'],
    ['header-value-utf8', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-A: \xc3\xa9\r\n\r\n', 'accept'],
    // Host.
    ['host-missing-11', 'GET /small.txt HTTP/1.1\r\n\r\n', 'reject'],
    ['host-missing-10', 'GET /small.txt HTTP/1.0\r\n\r\n', 'accept'],
    ['host-two', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n\r\n', 'reject'],
    ['host-two-same', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n', 'reject'],
    ['host-list', 'GET /small.txt HTTP/1.1\r\nHost: localhost, other\r\n\r\n', 'reject'],
    ['host-space-inside', 'GET /small.txt HTTP/1.1\r\nHost: local host\r\n\r\n', 'reject'],
    ['host-userinfo', 'GET /small.txt HTTP/1.1\r\nHost: user@localhost\r\n\r\n', 'either'],
    ['host-slash', 'GET /small.txt HTTP/1.1\r\nHost: localhost/evil\r\n\r\n', 'reject'],
    ['host-backslash', 'GET /small.txt HTTP/1.1\r\nHost: localhost\\evil\r\n\r\n', 'reject'],
    ['host-empty', 'GET /small.txt HTTP/1.1\r\nHost:\r\n\r\n', 'either'],
    ['host-bad-port', 'GET /small.txt HTTP/1.1\r\nHost: localhost:80x\r\n\r\n', 'either'],
    ['host-ipv6', 'GET /small.txt HTTP/1.1\r\nHost: [::1]:80\r\n\r\n', 'accept'],
    ['absolute-form-other-host', 'GET http://other.example/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'accept'],
    ['absolute-form-userinfo', 'GET http://user@localhost/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['absolute-form-ftp', 'GET ftp://localhost/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    // Versions.
    ['version-1.2', 'GET /small.txt HTTP/1.2\r\nHost: localhost\r\n\r\n', 'either'],
    ['version-2.0', 'GET /small.txt HTTP/2.0\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-3.0', 'GET /small.txt HTTP/3.0\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-0.9-line', 'GET /small.txt\r\n\r\n', 'either'],
    ['version-0.9-in-line', 'GET /small.txt HTTP/0.9\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-1.10', 'GET /small.txt HTTP/1.10\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-lowercase', 'GET /small.txt http/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-no-minor', 'GET /small.txt HTTP/1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-letters', 'GET /small.txt HTTP/a.b\r\nHost: localhost\r\n\r\n', 'reject'],
    ['version-h2-preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'reject'],
    // Request line shape and methods.
    ['method-lowercase', 'get /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['method-bad-char', 'G(ET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['method-slash', 'GE/T /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['method-utf8', 'G\xc3\x89T /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['method-empty', ' /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['request-line-two-spaces', 'GET  /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['request-line-tab', 'GET\t/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['request-line-trailing-space', 'GET /small.txt HTTP/1.1 \r\nHost: localhost\r\n\r\n', 'either'],
    ['request-line-garbage', 'HELLO\r\n\r\n', 'reject'],
    ['target-relative', 'GET small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['target-asterisk-get', 'GET * HTTP/1.1\r\nHost: localhost\r\n\r\n', 'reject'],
    ['leading-empty-line-1', '\r\nGET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'accept'],
    ['target-fragment', 'GET /small.txt#frag HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['target-bad-percent', 'GET /%zz HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['target-lone-percent', 'GET /small.txt% HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['target-query', 'GET /small.txt?a=b&c=%20 HTTP/1.1\r\nHost: localhost\r\n\r\n', 'accept'],
    ['options-asterisk', 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['connect-authority', 'CONNECT localhost:80 HTTP/1.1\r\nHost: localhost:80\r\n\r\n', 'either'],
    ['trace', 'TRACE /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['leading-empty-lines-3', '\r\n\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    // Limits.
    ['absolute-form-uppercase-scheme', 'GET HTTP://localhost/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['absolute-form-https', 'GET https://localhost/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 'either'],
    ['host-port-overflow', 'GET /small.txt HTTP/1.1\r\nHost: localhost:99999999\r\n\r\n', 'either'],
    ['trailing-nul-after-request', 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n\x00', 'either'],
    ['head-with-body', 'HEAD /small.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nHELLO', 'accept'],
    ['long-request-line-16k', `GET /${'a'.repeat(16 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 'reject'],
    ['long-header-value-70k', `GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`, 'reject'],
    ['long-header-name-16k', `GET /small.txt HTTP/1.1\r\nHost: localhost\r\n${'N'.repeat(16 * 1024)}: v\r\n\r\n`, 'reject'],
    ['many-headers-1000', `GET /small.txt HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 1000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, 'either'],
  ];
  return rows.map(([id, send, expect]) => ({ id, category: 'syntax', send, tail: expect === 'reject' ? 'smuggle' : 'next', expect }));
}

function traversalCases() {
  const secret = SECRET_NAME;
  const targets = [
    ['trav-dotdot', `/../${secret}`],
    ['trav-dotdot-deep', `/../../../../../../../../etc/passwd`],
    ['trav-sub-dotdot', `/sub/../../${secret}`],
    ['trav-pct-2e2e', `/%2e%2e/${secret}`],
    ['trav-pct-mixed-case', `/%2E%2e%2f${secret}`],
    ['trav-pct-2f', `/..%2f${secret}`],
    ['trav-pct-all', `/%2e%2e%2f%2e%2e%2f${secret}`],
    ['trav-backslash', `/..\\${secret}`],
    ['trav-pct-5c', `/..%5c${secret}`],
    ['trav-double-encoded', `/%252e%252e/${secret}`],
    ['trav-nul', `/${secret}%00.txt`],
    ['trav-nul-small', `/small.txt%00.html`],
    ['trav-overlong-utf8', `/%c0%ae%c0%ae/${secret}`],
    ['trav-overlong-slash', `/..%c0%af${secret}`],
    ['trav-dot-segments-past-root', `/./.././../${secret}`],
    ['trav-double-slash-etc', `//etc/passwd`],
    ['trav-absolute-etc', `/etc/passwd`],
    ['trav-symlink-escape', `/escape-link.txt`],
    ['trav-dotdot-no-slash', `/..`],
    ['trav-sub-dotdot-inside', `/sub/../small.txt`],
    ['trav-pct-in-inside', `/sub/%2e%2e/small.txt`],
    ['trav-absolute-form-dotdot', `http://localhost/../${secret}`],
    ['trav-semicolon', `/..;/${secret}`],
    ['trav-trailing-dot', `/small.txt.`],
    ['trav-trailing-slash-file', `/small.txt/`],
    ['trav-dot-pct2e', `/.%2e/${secret}`],
    ['trav-pct2e-dot', `/%2e./${secret}`],
    ['trav-double-encoded-slash', `/..%252f${secret}`],
    ['trav-fullwidth-dots', `/%ef%bc%8e%ef%bc%8e/${secret}`],
    ['trav-pct-5c-encoded-dots', `/%2e%2e%5c${secret}`],
    ['trav-sub-pct2f-dotdot', `/sub/..%2f..%2f${secret}`],
    ['trav-uppercase-absolute', `HTTP://localhost/../${secret}`],
  ];
  return targets.map(([id, target]) => ({
    id,
    category: 'traversal',
    send: `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    expect: 'noleak',
  }));
}

/** Ranges on large.txt: the answer must be 200/206/416 and no bigger than the file plus multipart overhead. */
function rangeCases(largeSize) {
  const bounded = (limit) => (o) => {
    const r = o.responses[0];
    if (!r) return 'no response';
    if (![200, 206, 416].includes(r.status)) return `status ${r.status}`;
    if (o.bodyBytes > limit) return `body ${o.bodyBytes} bytes > ${limit}`;
    return null;
  };
  const lim = largeSize + 64 * 1024;
  const manyOverlapping = Array.from({ length: 100 }, () => '0-').join(',');
  const manySmall = Array.from({ length: 400 }, (_, i) => `${i * 2}-${i * 2}`).join(',');
  const rows = [
    ['range-valid', 'bytes=0-9'],
    ['range-suffix', 'bytes=-10'],
    ['range-open', 'bytes=100-'],
    ['range-many-overlapping', `bytes=${manyOverlapping}`],
    ['range-many-small-400', `bytes=${manySmall}`],
    ['range-overlapping-2', 'bytes=0-100,50-150'],
    ['range-reversed', 'bytes=10-5'],
    ['range-reversed-order', 'bytes=200-300,0-10'],
    ['range-suffix-zero', 'bytes=-0'],
    ['range-huge-end', 'bytes=0-99999999999999999999999999'],
    ['range-huge-start', 'bytes=99999999999999999999999999-'],
    ['range-beyond-end', `bytes=${largeSize + 10}-${largeSize + 20}`],
    ['range-non-bytes-unit', 'items=0-9'],
    ['range-uppercase-unit', 'BYTES=0-9'],
    ['range-no-equals', 'bytes 0-9'],
    ['range-negative-start', 'bytes=-5-10'],
    ['range-spaces', 'bytes = 0-9'],
    ['range-empty-set', 'bytes='],
    ['range-garbage', 'bytes=a-b'],
    ['range-plus', 'bytes=+0-9'],
    ['range-multi-suffix', 'bytes=0-0,-1'],
    ['range-leading-space-spec', 'bytes= 0-9'],
    ['range-trailing-comma', 'bytes=0-9,'],
    ['range-hex', 'bytes=0x0-0x9'],
  ];
  const out = rows.map(([id, value]) => ({
    id,
    category: 'range',
    send: `GET /large.txt HTTP/1.1\r\nHost: localhost\r\nRange: ${value}\r\nConnection: close\r\n\r\n`,
    expect: 'custom',
    check: bounded(lim),
  }));
  out.push({
    id: 'range-two-headers',
    category: 'range',
    send: 'GET /large.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-9\r\nRange: bytes=20-29\r\nConnection: close\r\n\r\n',
    expect: 'custom',
    check: bounded(lim),
  });
  return out;
}

function expectUpgradeCases() {
  return [
    { id: 'expect-100-with-body', category: 'expect-upgrade', send: get(['Content-Length: 5', 'Expect: 100-continue'], 'HELLO'), tail: 'next', expect: 'accept' },
    { id: 'expect-100-no-body', category: 'expect-upgrade', send: get(['Expect: 100-continue']), tail: 'next', expect: 'accept' },
    { id: 'expect-100-uppercase', category: 'expect-upgrade', send: get(['Content-Length: 5', 'Expect: 100-CONTINUE'], 'HELLO'), tail: 'next', expect: 'accept' },
    { id: 'expect-unknown', category: 'expect-upgrade', send: get(['Expect: something-else']), tail: 'next', expect: 'either' },
    { id: 'expect-http10', category: 'expect-upgrade', send: `GET /small.txt HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nHELLO`, expect: 'accept' },
    { id: 'expect-100-then-bad-body', category: 'expect-upgrade', send: get(['Transfer-Encoding: chunked', 'Expect: 100-continue'], `zz${CRLF}HELLO${CRLF}0${CRLF}${CRLF}`), tail: 'smuggle', expect: 'reject' },
    { id: 'upgrade-h2c', category: 'expect-upgrade', send: get(['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA']), tail: 'next', expect: 'accept' },
    { id: 'upgrade-websocket', category: 'expect-upgrade', send: get(['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']), tail: 'next', expect: 'accept' },
    { id: 'upgrade-h2c-then-preface', category: 'expect-upgrade', send: get(['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA']) + 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', tail: 'smuggle', expect: 'accept' },
    { id: 'h2-prior-knowledge', category: 'expect-upgrade', send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00', tail: 'smuggle', expect: 'reject' },
  ];
}

function slowCases() {
  // Each trickles for up to 9 s; the servers' header/body timeouts are 2 s.
  const t = (chunk, everyMs) => ({ chunk, everyMs, forMs: 9000 });
  return [
    { id: 'slow-silent', category: 'slowloris', send: '', trickle: { chunk: '', everyMs: 1000, forMs: 9000 }, expect: 'timeout' },
    { id: 'slow-request-line', category: 'slowloris', send: 'GET /', trickle: t('a', 150), expect: 'timeout' },
    { id: 'slow-header-bytes', category: 'slowloris', send: 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', trickle: t('a', 150), expect: 'timeout' },
    { id: 'slow-header-lines', category: 'slowloris', send: 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\n', trickle: t('X-Slow: aaaaaaaaaaaaa\r\n', 100), expect: 'timeout' },
    { id: 'slow-body', category: 'slowloris', send: 'POST /small.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n', trickle: t('a', 150), expect: 'timeout' },
    { id: 'slow-chunked-body', category: 'slowloris', send: 'POST /small.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n', trickle: t('1\r\na\r\n', 150), expect: 'timeout' },
    // Fast enough for a minimum-rate rule (≈600 B/s) but never finishing: a
    // header timeout must still end it.
    { id: 'slow-header-steady-600Bps', category: 'slowloris', send: 'GET /small.txt HTTP/1.1\r\nHost: localhost\r\n', trickle: t('X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 100), expect: 'timeout' },
    { id: 'slow-body-steady-600Bps', category: 'slowloris', send: 'POST /small.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n', trickle: t('a'.repeat(60), 100), expect: 'either' },
    { id: 'slow-after-pipelined', category: 'slowloris', send: `${VALID}GET /small.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: `, trickle: t('a', 150), expect: 'timeout' },
  ];
}

/**
 * Every 'reject' case of the framing categories once more with a valid request
 * in front of it on the same connection: the valid one must be answered (200)
 * and the bad one still refused.
 */
function withPipelinedVariants(cases) {
  const out = [...cases];
  for (const k of cases) {
    if (k.expect !== 'reject' || !['te', 'content-length', 'chunked', 'cl-te'].includes(k.category)) continue;
    out.push({ ...k, id: `${k.id}@after-valid`, send: VALID + k.send, pre: 1 });
  }
  for (const k of cases) {
    if (k.category !== 'cl-te') continue;
    out.push({ ...k, id: `${k.id}@after-valid`, send: VALID + k.send, pre: 1 });
  }
  return out;
}

/** All cases; largeSize = bytes of /large.txt (the range bounds). */
export function allCases({ largeSize }) {
  const cases = withPipelinedVariants([
    ...teCases(),
    ...clCases(),
    ...chunkCases(),
    ...syntaxCases(),
    ...traversalCases(),
    ...rangeCases(largeSize),
    ...expectUpgradeCases(),
    ...slowCases(),
  ]);
  const ids = new Set();
  for (const k of cases) {
    if (ids.has(k.id)) throw new Error(`duplicate case id ${k.id}`);
    ids.add(k.id);
  }
  return cases;
}

export const CATEGORIES = ['te', 'cl-te', 'content-length', 'chunked', 'syntax', 'traversal', 'range', 'expect-upgrade', 'slowloris'];
