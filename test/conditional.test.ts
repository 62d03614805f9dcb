// The conditional filter end to end: handler responses with ETag and
// Last-Modified, requests with every precondition header, and the precedence
// of RFC 9110 §13.2.2 as a table. Raw sockets are not needed: Node's http
// client leaves 304/412 alone.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { conditional, evaluatePreconditions } from '../src/index.js';
import { start, stopAll, within } from './helpers/server.js';

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, p: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Got> {
  return within(
    new Promise<Got>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: p, method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    }),
    10000,
    `${method} ${p}`,
  );
}

const ETAG = '"v2"';
const LM = new Date(Date.UTC(2024, 4, 6, 7, 8, 9)).toUTCString();
const BEFORE = new Date(Date.UTC(2024, 4, 6, 7, 8, 8)).toUTCString();
const AFTER = new Date(Date.UTC(2024, 4, 6, 7, 8, 10)).toUTCString();
const BODY = 'the representation\n';

let port = 0;
const c = suite('conditional');

c.before(async () => {
  const s = await start((srv) => {
    srv.filter(conditional(), { path: '/c' });
    const send = (res: Parameters<Parameters<typeof srv.get>[1]>[1]): void => {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('ETag', ETAG);
      res.setHeader('Last-Modified', LM);
      res.setHeader('Cache-Control', 'max-age=60');
      res.setHeader('Vary', 'Origin');
      res.end(BODY);
    };
    srv.get('/c/doc', (_q, res) => send(res));
    srv.put('/c/doc', async (q, res) => {
      await q.text();
      send(res);
    });
    srv.post('/c/doc', async (q, res) => {
      await q.text();
      send(res);
    });
    srv.get('/c/weak', (_q, res) => {
      res.setHeader('ETag', 'W/"w1"');
      res.end(BODY);
    });
    srv.get('/c/nolm', (_q, res) => {
      res.setHeader('ETag', ETAG);
      res.end(BODY);
    });
    srv.get('/c/none', (_q, res) => res.end(BODY));
    srv.get('/c/404', (_q, res) => {
      res.setHeader('ETag', ETAG);
      res.status(404).end(BODY);
    });
    srv.get('/c/stream', (_q, res) => {
      res.setHeader('ETag', ETAG);
      res.write('part one, ');
      res.end('part two');
    });
    srv.get('/elsewhere', (_q, res) => {
      res.setHeader('ETag', ETAG);
      res.end(BODY);
    });
  });
  port = s.port;
});

c.after(() => stopAll());

type Row = [method: string, headers: Record<string, string>, status: number, why: string];

c('RFC 9110 §13.2.2 precedence table', async () => {
  const rows: Row[] = [
    ['GET', {}, 200, 'unconditional'],
    // Step 1: If-Match (strong), before everything else.
    ['GET', { 'If-Match': ETAG }, 200, 'If-Match matches'],
    ['GET', { 'If-Match': '"a", "v2"' }, 200, 'If-Match list'],
    ['GET', { 'If-Match': '*' }, 200, 'If-Match *'],
    ['GET', { 'If-Match': '"nope"' }, 412, 'If-Match mismatch'],
    ['GET', { 'If-Match': 'W/"v2"' }, 412, 'If-Match is a strong comparison'],
    ['GET', { 'If-Match': '"nope"', 'If-None-Match': ETAG }, 412, 'If-Match is evaluated before If-None-Match'],
    ['GET', { 'If-Match': ETAG, 'If-None-Match': ETAG }, 304, 'If-Match true, then If-None-Match'],
    // Step 2: If-Unmodified-Since only without If-Match.
    ['GET', { 'If-Unmodified-Since': LM }, 200, 'IUS equal'],
    ['GET', { 'If-Unmodified-Since': AFTER }, 200, 'IUS later'],
    ['GET', { 'If-Unmodified-Since': BEFORE }, 412, 'IUS earlier'],
    ['GET', { 'If-Unmodified-Since': 'yesterday' }, 200, 'IUS invalid date is ignored'],
    ['GET', { 'If-Match': ETAG, 'If-Unmodified-Since': BEFORE }, 200, 'IUS ignored beside If-Match'],
    ['GET', { 'If-Unmodified-Since': BEFORE, 'If-None-Match': ETAG }, 412, 'IUS before If-None-Match'],
    // Step 3: If-None-Match (weak).
    ['GET', { 'If-None-Match': ETAG }, 304, 'INM matches'],
    ['GET', { 'If-None-Match': 'W/"v2"' }, 304, 'INM is a weak comparison'],
    ['GET', { 'If-None-Match': '"x", "v2"' }, 304, 'INM list'],
    ['GET', { 'If-None-Match': '*' }, 304, 'INM *'],
    ['GET', { 'If-None-Match': '"x"' }, 200, 'INM mismatch'],
    ['GET', { 'If-None-Match': ETAG, 'Cache-Control': 'no-cache' }, 304, 'no-cache does not defeat a match'],
    ['HEAD', { 'If-None-Match': ETAG }, 304, 'HEAD like GET'],
    ['POST', { 'If-None-Match': ETAG }, 412, 'INM match on an unsafe method'],
    ['PUT', { 'If-None-Match': '*' }, 412, 'INM * on PUT (create-only)'],
    ['PUT', { 'If-None-Match': '"x"' }, 200, 'INM mismatch on PUT'],
    // Step 4: If-Modified-Since, GET/HEAD, only without If-None-Match.
    ['GET', { 'If-Modified-Since': LM }, 304, 'IMS equal'],
    ['GET', { 'If-Modified-Since': AFTER }, 304, 'IMS later'],
    ['GET', { 'If-Modified-Since': BEFORE }, 200, 'IMS earlier'],
    ['GET', { 'If-Modified-Since': 'garbage' }, 200, 'IMS invalid date'],
    ['GET', { 'If-None-Match': '"x"', 'If-Modified-Since': AFTER }, 200, 'IMS ignored beside If-None-Match'],
    ['HEAD', { 'If-Modified-Since': LM }, 304, 'IMS on HEAD'],
    ['POST', { 'If-Modified-Since': AFTER }, 200, 'IMS ignored on POST'],
    ['PUT', { 'If-Match': ETAG }, 200, 'If-Match on PUT'],
    ['PUT', { 'If-Match': '"old"' }, 412, 'lost update prevented'],
    ['PUT', { 'If-Unmodified-Since': BEFORE }, 412, 'IUS on PUT'],
  ];
  for (const [method, headers, status, why] of rows) {
    const g = await request(port, '/c/doc', headers, method, method === 'GET' || method === 'HEAD' ? undefined : 'x');
    assert.is(g.status, status, `${why}: ${method} ${JSON.stringify(headers)}`);
    if (status === 200 && method !== 'HEAD') assert.is(g.body.toString(), BODY, why);
  }
});

c('a 304 keeps validators and cache headers, drops body and representation metadata', async () => {
  const g = await request(port, '/c/doc', { 'If-None-Match': ETAG });
  assert.is(g.status, 304);
  assert.is(g.headers['etag'], ETAG);
  assert.is(g.headers['last-modified'], LM);
  assert.is(g.headers['cache-control'], 'max-age=60');
  assert.is(g.headers['vary'], 'Origin');
  assert.is(g.headers['content-type'], undefined);
  assert.is(g.headers['content-length'], undefined);
  assert.is(g.body.length, 0);
});

c('a 412 replaces the body with a short text', async () => {
  const g = await request(port, '/c/doc', { 'If-Match': '"nope"' });
  assert.is(g.status, 412);
  assert.is(g.headers['content-type'], 'text/plain; charset=utf-8');
  assert.is(g.body.toString(), 'Precondition Failed\n');
  const streamed = await request(port, '/c/stream', { 'If-Match': '"nope"' });
  assert.is(streamed.status, 412);
  assert.is(streamed.body.toString(), 'Precondition Failed\n');
  const ok = await request(port, '/c/stream', { 'If-None-Match': ETAG });
  assert.is(ok.status, 304);
  assert.is(ok.body.length, 0);
});

c('missing validators, weak tags, non-2xx responses, out of scope', async () => {
  assert.is((await request(port, '/c/none', { 'If-None-Match': '"v2"' })).status, 200, 'no ETag: nothing matches');
  assert.is((await request(port, '/c/none', { 'If-None-Match': '*' })).status, 304, '* matches any current representation');
  assert.is((await request(port, '/c/none', { 'If-Match': '"v2"' })).status, 412);
  assert.is((await request(port, '/c/none', { 'If-Modified-Since': AFTER })).status, 200, 'IMS without Last-Modified');
  assert.is((await request(port, '/c/nolm', { 'If-Unmodified-Since': BEFORE })).status, 200, 'IUS without Last-Modified');
  assert.is((await request(port, '/c/weak', { 'If-None-Match': '"w1"' })).status, 304);
  assert.is((await request(port, '/c/weak', { 'If-Match': 'W/"w1"' })).status, 412);
  const nf = await request(port, '/c/404', { 'If-Match': '"nope"', 'If-None-Match': ETAG });
  assert.is(nf.status, 404, 'preconditions do not apply to a 404');
  assert.is(nf.body.toString(), BODY);
  assert.is((await request(port, '/elsewhere', { 'If-None-Match': ETAG })).status, 200, 'filter not in scope');
});

c('evaluatePreconditions on its own', () => {
  const res = (status: number, h: Record<string, string>) => ({ statusCode: status, getHeader: (n: string) => h[n.toLowerCase()] });
  const req = (method: string, h: Record<string, string>) => ({ method, header: (n: string) => h[n.toLowerCase()] });
  assert.is(evaluatePreconditions(req('GET', { 'if-none-match': '"a"' }), res(200, { etag: '"a"' })), 304);
  assert.is(evaluatePreconditions(req('GET', { 'if-none-match': '"a"' }), res(201, { etag: '"a"' })), 304);
  assert.is(evaluatePreconditions(req('GET', { 'if-none-match': '"a"' }), res(301, { etag: '"a"' })), 'none');
  assert.is(evaluatePreconditions(req('DELETE', { 'if-match': '"a"' }), res(200, { etag: '"b"' })), 412);
  assert.is(evaluatePreconditions(req('GET', { 'if-match': ' "a" , "b" ' }), res(200, { etag: '"b"' })), 'none');
});

c.run();

// ---- static mounts: the handler evaluates the same preconditions, fast path included ----

const st = suite('conditional: static mount');
let sdir = '';
let sport = 0;
const FILE_LM = new Date(Date.UTC(2023, 1, 3, 4, 5, 6));

st.before(async () => {
  sdir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-static-cond-'));
  fs.writeFileSync(path.join(sdir, 'a.txt'), BODY);
  fs.utimesSync(path.join(sdir, 'a.txt'), FILE_LM, FILE_LM);
  const s = await start((srv) => {
    srv.static('/', sdir);
    srv.static('/fast', sdir, { ranges: false }); // no filters: the fast path
  });
  sport = s.port;
});

st.after(async () => {
  await stopAll();
  fs.rmSync(sdir, { recursive: true, force: true });
});

st('static files: If-Match / If-Unmodified-Since → 412, If-None-Match / If-Modified-Since → 304', async () => {
  const first = await request(sport, '/a.txt');
  const etag = first.headers['etag']!;
  assert.is(first.status, 200);
  const rows: [Record<string, string>, number][] = [
    [{ 'If-Match': '"nope"' }, 412],
    [{ 'If-Match': etag }, 412], // static ETags are weak: If-Match never matches them
    [{ 'If-Match': '*' }, 200],
    [{ 'If-Unmodified-Since': new Date(FILE_LM.getTime() - 1000).toUTCString() }, 412],
    [{ 'If-Unmodified-Since': FILE_LM.toUTCString() }, 200],
    [{ 'If-None-Match': etag }, 304],
    [{ 'If-Modified-Since': FILE_LM.toUTCString() }, 304],
    [{ 'If-Match': '"nope"', 'If-None-Match': etag }, 412], // If-Match first
    [{ 'If-Unmodified-Since': FILE_LM.toUTCString(), 'If-None-Match': etag }, 304],
  ];
  for (const [headers, status] of rows) for (const p of ['/a.txt', '/fast/a.txt']) {
    const g = await request(sport, p, headers);
    assert.is(g.status, status, JSON.stringify(headers));
    if (status === 200) assert.is(g.body.toString(), BODY);
    if (status === 412) assert.is(g.body.toString(), 'Precondition Failed');
  }
});

st.run();
