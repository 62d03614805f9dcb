// A request body that arrives after its head, while the request is already
// in flight to its handler. Found by the connection fuzzer (native/fuzz/README.md,
// Findings): the pipelining limit held back the reads of that body, so with
// limits.maxPipelined 1 a handler that waits for its body never got it and the
// client got 408 once the body timeout ran out. And a connection whose
// response was written before its request's body ended, and that should close
// (graceful close() began), stayed open after the body until the keep-alive
// timeout.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { sleep, start, stopAll, waitUntil, within, type Running } from './helpers/server.js';

const test = suite('body of an in-flight request');
let srv: Running;
let handled = 0;

test.before(async () => {
  srv = await start(
    (s) => {
      s.post('/len', async (q, r) => {
        handled++;
        const b = await q.bytes();
        r.end(`len=${b.length} last=${Buffer.from(b.subarray(-3)).toString('latin1')}`);
      });
    },
    // One request at a time; a short body timeout so a stalled body fails fast.
    { limits: { maxPipelined: 1 }, timeouts: { body: 1000 } },
  );
});

test.after.each(() => destroyAllSockets());
test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

const head = (len: number, extra = ''): string =>
  `POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: ${len}\r\n${extra}\r\n`;

test('maxPipelined 1: a body sent after its head reaches the handler', async () => {
  const c = await RawClient.open(srv.port);
  const before = handled;
  await c.write(head(10) + 'abc');
  // The head is dispatched (the handler runs) before the rest of the body is sent,
  // so the rest is a separate read while the request counts against the limit.
  await waitUntil(() => handled > before, 5000, () => 'handler never ran');
  await c.write('defghij');
  const r = await c.response();
  assert.is(r.status, 200);
  assert.is(r.body.toString(), 'len=10 last=hij');
  c.destroy();
});

test('maxPipelined 1: a body in many pieces, then a second request on the connection', async () => {
  const c = await RawClient.open(srv.port);
  const before = handled;
  await c.write(head(3000));
  await waitUntil(() => handled > before, 5000, () => 'handler never ran');
  for (let i = 0; i < 30; i++) await c.write('x'.repeat(99) + String.fromCharCode(97 + (i % 26)));
  const [r1] = await c.responses(1);
  assert.is(r1!.body.toString(), 'len=3000 last=xxd');
  await c.write(head(2) + 'ok');
  const r2 = await c.response();
  assert.is(r2.body.toString(), 'len=2 last=ok');
  c.destroy();
});

test('maxPipelined 1: Connection: close, body after the head: answered, then closed', async () => {
  const c = await RawClient.open(srv.port);
  const before = handled;
  await c.write(head(6, 'Connection: close\r\n') + 'ab');
  await waitUntil(() => handled > before, 5000, () => 'handler never ran');
  await c.write('cdef');
  const r = await c.response();
  assert.is(r.body.toString(), 'len=6 last=def');
  await waitUntil(() => c.peerEnded, 5000, () => 'the server did not close the connection');
  c.destroy();
});

test('close() while a body arrives after its early response: the connection closes once the body ended', async () => {
  let answered = false;
  const { server, port } = await start(
    (s) => {
      s.post('/early', (_q, r) => {
        answered = true;
        r.end('early');
      });
    },
    // A keep-alive timeout far beyond the deadlines below: only the fix closes in time.
    { timeouts: { keepAlive: 60000 } },
  );
  const c = await RawClient.open(port);
  await c.write('POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\nab');
  const r = await c.response();
  assert.is(r.body.toString(), 'early');
  assert.ok(answered);
  // close() forces what is left after 10 s; the connection must close well before.
  const closing = server.close({ timeout: 10000 });
  // Let the I/O loop take the drain before the rest of the body arrives
  // (the other order closes anyway: the body ends, then the drain finds the connection idle).
  await sleep(200);
  await c.write('cdefgh');
  await waitUntil(() => c.peerEnded, 6000, () => 'the server did not close the connection after the body');
  await within(closing, 6000, 'close()');
  c.destroy();
});

test.run();
