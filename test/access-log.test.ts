// Access log: Common and Combined Log Format lines byte for byte (apart from
// the timestamp), batching (nothing is written per request), rotation by
// rename + reopen (the call and a real SIGHUP), flush on close, bad paths.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clfTime, escapeLogItem, formatLogLine } from '../src/access-log-format.js';
import { createServer } from '../src/index.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { start, stopAll, waitUntil } from './helpers/server.js';

const test = suite('access-log');
let dir = '';

test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-log-'));
});
test.after.each(async () => {
  destroyAllSockets();
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TIME = /\[\d{2}\/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/;
const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'latin1') : '');
const lines = (f: string): string[] => read(f).split('\n').filter((l) => l !== '');
/** The line with its timestamp replaced, after checking the timestamp's form. */
function untimed(line: string): string {
  assert.match(line, TIME);
  return line.replace(TIME, '[T]');
}

async function raw(port: number, text: string): Promise<void> {
  const c = new RawClient(port);
  await c.write(text);
  await c.responses(1, { noBody: [text.startsWith('HEAD ')] });
  c.socket.destroy();
}

function routes(s: import('../src/index.js').Server): void {
  s.get('/hello', (_q, r) => r.end('hello world'));
  s.get('/empty', (_q, r) => r.status(204).end());
  s.post('/echo', async (q, r) => r.status(201).end(await q.bytes()));
}

test('common format: byte-exact lines; written in batches, flushed on close', async () => {
  const file = path.join(dir, 'access.log');
  const { server, port } = await start(routes, { accessLog: { path: file, flushIntervalMs: 60000 } });
  await raw(port, 'GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await raw(port, 'HEAD /hello HTTP/1.0\r\n\r\n');
  await raw(port, 'GET /empty HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await raw(port, 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
  await raw(port, 'GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await raw(port, 'GET /a"b\\c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  // Nothing written yet: lines wait in memory for the timer, the size limit or close.
  assert.is(read(file), '');
  await server.close();
  assert.equal(lines(file).map(untimed), [
    '127.0.0.1 - - [T] "GET /hello?x=1 HTTP/1.1" 200 11',
    '127.0.0.1 - - [T] "HEAD /hello HTTP/1.0" 200 -',
    '127.0.0.1 - - [T] "GET /empty HTTP/1.1" 204 -',
    '127.0.0.1 - - [T] "POST /echo HTTP/1.1" 201 3',
    '127.0.0.1 - - [T] "GET /nope HTTP/1.1" 404 10',
    '127.0.0.1 - - [T] "GET /a\\"b\\\\c HTTP/1.1" 404 10',
  ]);
  assert.ok(read(file).endsWith('\n'));
});

test('combined format: Referer and User-Agent, escaped; "-" when absent', async () => {
  const file = path.join(dir, 'combined.log');
  const { server, port } = await start(routes, { accessLog: { path: file, format: 'combined' } });
  await raw(port, 'GET /hello HTTP/1.1\r\nHost: a\r\nReferer: http://r/x\r\nUser-Agent: t "quoted" \xe9\r\nConnection: close\r\n\r\n');
  await raw(port, 'GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await server.close();
  assert.equal(lines(file).map(untimed), [
    '127.0.0.1 - - [T] "GET /hello HTTP/1.1" 200 11 "http://r/x" "t \\"quoted\\" \\xe9"',
    '127.0.0.1 - - [T] "GET /hello HTTP/1.1" 200 11 "-" "-"',
  ]);
});

test('the buffer is written once it holds bufferBytes, without waiting for the timer', async () => {
  const file = path.join(dir, 'size.log');
  const { port } = await start(routes, { accessLog: { path: file, flushIntervalMs: 60000, bufferBytes: 200 } });
  for (let i = 0; i < 5; ++i) await raw(port, 'GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await waitUntil(() => lines(file).length >= 3, 3000, () => read(file));
});

test('rotation: rename, reopen (call, then a real SIGHUP): old lines stay, new lines go to the new file', async () => {
  const file = path.join(dir, 'rot.log');
  const { server, port } = await start(routes, { accessLog: { path: file, flushIntervalMs: 60000 } });
  const get = (p: string): Promise<void> => raw(port, `GET ${p} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
  await get('/hello?1');
  fs.renameSync(file, `${file}.1`);
  await get('/hello?2'); // buffered before the reopen: belongs to the old file
  await server.reopenLogs();
  await get('/hello?3');
  assert.ok(process.listenerCount('SIGHUP') > 0, 'a SIGHUP handler is installed');
  fs.renameSync(file, `${file}.2`);
  process.kill(process.pid, 'SIGHUP');
  await waitUntil(() => fs.existsSync(file), 3000);
  await get('/hello?4');
  await server.close();
  assert.is(process.listenerCount('SIGHUP'), 0, 'handlers removed on close');
  const urls = (f: string): string[] => lines(f).map((l) => /"GET (\S+)/.exec(l)![1]!);
  assert.equal(urls(`${file}.1`), ['/hello?1', '/hello?2']);
  assert.equal(urls(`${file}.2`), ['/hello?3']);
  assert.equal(urls(file), ['/hello?4']);
});

test('a log that cannot be opened fails listen(); bad options are refused', async () => {
  const s = createServer({ port: 0, accessLog: path.join(dir, 'missing-dir', 'x.log') });
  let err: unknown = null;
  await s.listen().catch((e: unknown) => (err = e));
  assert.match(String(err), /ENOENT/);
  assert.not.ok(s.listening);
  assert.throws(() => createServer({ accessLog: { path: '' } }), TypeError);
  assert.throws(() => createServer({ accessLog: { path: 'x', format: 'xml' as 'common' } }), RangeError);
});

test('format helpers: escapes, time form', () => {
  assert.is(escapeLogItem('plain /x?y=1'), 'plain /x?y=1');
  assert.is(escapeLogItem('a\tb\nc\x01\x7f"\\'), 'a\\tb\\nc\\x01\\x7f\\"\\\\');
  assert.is(escapeLogItem('€'), '\\xe2\\x82\\xac');
  assert.match(clfTime(new Date()), TIME);
  const r = { remoteAddress: '10.1.2.3', method: 'GET', url: '/', httpVersion: '1.1', status: 200, bytes: 5, referer: undefined, userAgent: 'u' };
  assert.is(formatLogLine(r, 'common', '[T]'), '10.1.2.3 - - [T] "GET / HTTP/1.1" 200 5\n');
  assert.is(formatLogLine(r, 'combined', '[T]'), '10.1.2.3 - - [T] "GET / HTTP/1.1" 200 5 "-" "u"\n');
});

test.run();
