// The output filter chain end to end, over real sockets: order by type,
// membership (path, content type, method, init), the chain frozen at the first
// output, FLUSH/EOS, async filters, replace/insert filters, header changes,
// framing decided by the protocol filter, HEAD, failing filters, the SSI-like
// directive that straddles two writes, the example filters, and the chain path
// giving the same bytes as the fast path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Brigade, HeapBucket, EosBucket, FlushBucket, type Filter, type FilterContext, type Handler, type Response } from '../src/index.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { parseAll } from './helpers/parse.js';
import { start, stop, stopAll, waitUntil, within, type Running } from './helpers/server.js';
import { bannerFilter } from '../examples/filters/banner-filter.js';
import { uppercaseFilter, UPPERCASE_PIECE } from '../examples/filters/uppercase-filter.js';
import { asyncDelay, buffering, firstCall, kinds, passThrough } from './support/filters.js';
import { bodyBytes, headWithoutDate, KeepAlive, request, requestHead } from './support/http.js';
import { ssiFilter, type SsiState } from './support/ssi-filter.js';
import { capturingWarnings } from './support/warnings.js';

type Flushable = Response & { flush(): void };

let tmp = '';
function tmpFile(name: string, data: string | Buffer): string {
  if (!tmp) tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-filters-'));
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
}

async function cleanupAll(): Promise<void> {
  destroyAllSockets();
  await stopAll();
}

// =====================================================================
// Chain order and membership
// =====================================================================

const chain = suite('filters: chain order and membership');
let A: Running;
const log: string[] = [];
const seenBy: Record<string, string> = {};
let initCalls = 0;

/** Records what the first brigade looked like when it reached this filter. */
function peek(name: string, type: Filter['type']): Filter<boolean> {
  return {
    name,
    type,
    async filter(ctx, b) {
      if (!ctx.state) {
        ctx.state = true;
        log.push(name);
        seenBy[name] = await b.text();
      }
      await ctx.pass(b);
    },
  };
}

chain.before(async () => {
  A = await start((s) => {
    // Registration order deliberately differs from chain order.
    s.filter(peek('conn-1', 'connection'), { path: '/order' });
    s.filter(peek('proto-1', 'protocol'), { path: '/order' });
    s.filter(peek('transcode-1', 'transcode'), { path: '/order' });
    s.filter(peek('res-1', 'resource'), { path: '/order' });
    s.filter(peek('set-1', 'content-set'), { path: '/order' });
    s.filter(peek('res-2', 'resource'), { path: '/order' });
    // Membership.
    s.filter(firstCall('by-path', 'resource', log), { path: '/docs' });
    s.filter(firstCall('by-path-slash', 'resource', log), { path: '/slash/' });
    s.filter(firstCall('html-exact', 'resource', log), { path: '/ct', contentTypes: ['text/html'] });
    s.filter(firstCall('text-prefix', 'resource', log), { path: '/ct', contentTypes: ['text/'] });
    s.filter(firstCall('json-or-csv', 'resource', log), { path: '/ct', contentTypes: ['application/json', 'text/csv'] });
    s.filter(firstCall('post-only', 'resource', log), { path: '/m', methods: ['POST'] });
    s.filter(firstCall('get-only', 'resource', log), { path: '/m', methods: ['GET'] });
    s.filter(
      {
        name: 'init-decides',
        type: 'resource',
        init(ctx) {
          initCalls++;
          // init sees the request and the response as they are at the first output.
          const ok = ctx.request.query !== 'skip' && ctx.response.getHeader('x-want') !== 'no';
          if (ok) ctx.state = `init:${ctx.response.getHeader('content-type')}`;
          return ok;
        },
        filter(ctx, b) {
          log.push(`init-decides(${ctx.state})`);
          return ctx.pass(b);
        },
      } as Filter<string>,
      { path: '/init' },
    );
    s.filter(firstCall('after-init', 'content-set', log), { path: '/init' });
    s.filter({ name: 'init-undefined', type: 'resource', init() {}, filter: (ctx, b) => { log.push('init-undefined'); return ctx.pass(b); } }, { path: '/init' });

    const text: Handler = (_q, r) => r.setHeader('Content-Type', 'text/plain').end('hello');
    s.get('/order', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('hel');
      r.end('lo');
    });
    s.get('/docs', text);
    s.get('/docs/a/b', text);
    s.get('/docsx', text);
    s.get('/other/docs', text);
    s.get('/slash', text);
    s.get('/slash/x', text);
    s.get('/ct/:type/:sub', (q, r) => {
      if (q.params['type'] !== 'none') r.setHeader('Content-Type', `${q.params['type']}/${q.params['sub']}${q.query ? `; ${decodeURIComponent(q.query)}` : ''}`);
      r.end('x');
    });
    s.all('/m', (_q, r) => r.setHeader('Content-Type', 'text/plain').end('m'));
    s.get('/init', (q, r) => {
      if (q.query === 'no') r.setHeader('X-Want', 'no');
      r.setHeader('Content-Type', 'text/csv').end('i');
    });
  });
});
chain.after(cleanupAll);
chain.before.each(() => {
  log.length = 0;
});

chain('filters run in type order, not registration order; user filters sit before built-ins of their type', async () => {
  const { res } = await request(A.port, '/order');
  assert.is(res.body.toString(), 'hello');
  assert.equal(log, ['res-1', 'res-2', 'set-1', 'proto-1', 'transcode-1', 'conn-1']);
  // Resource, content-set and protocol filters run before http-header: they see body bytes only.
  assert.is(seenBy['res-1'], 'hel');
  assert.is(seenBy['proto-1'], 'hel');
  // Transcode and connection filters run after http-header serialised the head;
  // the connection filter (after the chunk filter) also sees the chunk framing.
  assert.match(seenBy['transcode-1']!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhel$/);
  assert.match(seenBy['transcode-1']!, /\r\ntransfer-encoding: chunked\r\n/);
  assert.match(seenBy['conn-1']!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n3\r\nhel\r\n$/);
});

chain('membership by path prefix: the prefix and what is below it, not look-alikes', async () => {
  for (const [p, joins] of [
    ['/docs', true],
    ['/docs/a/b', true],
    ['/docsx', false],
    ['/other/docs', false],
  ] as const) {
    log.length = 0;
    const { res } = await request(A.port, p);
    assert.is(res.status, 200, p);
    assert.equal(log, joins ? ['by-path'] : [], p);
  }
  // A trailing slash in the scope means the same prefix.
  for (const p of ['/slash', '/slash/x']) {
    log.length = 0;
    await request(A.port, p);
    assert.equal(log, ['by-path-slash'], p);
  }
});

chain('membership by content type: exact type, "text/" prefix, lists, parameters and case', async () => {
  const cases: [string, string[]][] = [
    ['/ct/text/html', ['html-exact', 'text-prefix']],
    ['/ct/text/html?charset=utf-8', ['html-exact', 'text-prefix']],
    ['/ct/TEXT/HTML', ['html-exact', 'text-prefix']],
    ['/ct/text/plain', ['text-prefix']],
    ['/ct/text/csv', ['text-prefix', 'json-or-csv']],
    ['/ct/application/json', ['json-or-csv']],
    ['/ct/application/xhtml', []],
    ['/ct/none/x', []], // no Content-Type at all: content-type scopes never match
  ];
  for (const [p, want] of cases) {
    log.length = 0;
    const { res } = await request(A.port, p);
    assert.is(res.body.toString(), 'x', p);
    assert.equal(log, want, p);
  }
});

chain('membership by method: listed methods only (HEAD is its own method)', async () => {
  const seen: Record<string, string[]> = {};
  for (const method of ['GET', 'POST', 'PUT', 'HEAD']) {
    log.length = 0;
    const { res } = await request(A.port, '/m', { method, body: method === 'GET' || method === 'HEAD' ? undefined : 'b' });
    assert.is(res.status, 200, method);
    seen[method] = [...log];
  }
  assert.equal(seen, { GET: ['get-only'], POST: ['post-only'], PUT: [], HEAD: [] });
});

chain('init() returning false keeps a filter out; undefined or true keeps it in; the rest of the chain still runs', async () => {
  initCalls = 0;
  await request(A.port, '/init');
  assert.equal(log, ['init-decides(init:text/csv)', 'init-undefined', 'after-init']);
  assert.is(initCalls, 1, 'init runs once per response');
  log.length = 0;
  const { res } = await request(A.port, '/init?skip');
  assert.is(res.body.toString(), 'i');
  assert.equal(log, ['init-undefined', 'after-init'], 'declined by the request');
  log.length = 0;
  await request(A.port, '/init?no');
  assert.equal(log, ['init-undefined', 'after-init'], 'declined by a response header');
  assert.is(initCalls, 3);
});

// =====================================================================
// The chain is decided at the first output and frozen
// =====================================================================

const frozen = suite('filters: chain frozen at the first output');
let F: Running;
const fLog: string[] = [];
const fErrors: Record<string, string> = {};

frozen.before(async () => {
  F = await start((s) => {
    s.filter(firstCall('html-only', 'resource', fLog), { path: '/frozen', contentTypes: ['text/html'] });
    s.filter(firstCall('plain-sync', 'resource', fLog), { path: '/frozen/sync', contentTypes: ['text/plain'] });
    s.filter(asyncDelay('plain-async', 2), { path: '/frozen/async', contentTypes: ['text/plain'] });
    const changeTypeAfterWrite = (key: string): Handler => (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('a');
      fErrors[`${key}:sentAfterWrite`] = String(r.headersSent);
      try {
        r.setHeader('Content-Type', 'text/html');
        fErrors[key] = 'no error';
      } catch (err) {
        fErrors[key] = (err as Error).message;
      }
      r.end('b');
    };
    s.get('/frozen/fast', changeTypeAfterWrite('fast'));
    s.get('/frozen/sync', changeTypeAfterWrite('sync'));
    s.get('/frozen/async', changeTypeAfterWrite('async'));
    s.get('/frozen/before', (_q, r) => {
      // Changing the type before the first output still counts.
      r.setHeader('Content-Type', 'text/plain');
      r.setHeader('Content-Type', 'text/html');
      r.end('<p>');
    });
  });
});
frozen.after(cleanupAll);
frozen.before.each(() => {
  fLog.length = 0;
});

frozen('fast path: the head leaves with the first write, setHeader then throws, no filter joins', async () => {
  const { res } = await request(F.port, '/frozen/fast');
  assert.is(fErrors['fast'], 'headers already sent');
  assert.is(fErrors['fast:sentAfterWrite'], 'true');
  assert.is(res.headers['content-type'], 'text/plain');
  assert.is(res.body.toString(), 'ab');
  assert.equal(fLog, []);
});

frozen('sync chain: the head is serialised during the first write; a text/html filter does not join later', async () => {
  const { res } = await request(F.port, '/frozen/sync');
  assert.is(fErrors['sync'], 'headers already sent');
  assert.is(fErrors['sync:sentAfterWrite'], 'true');
  assert.is(res.headers['content-type'], 'text/plain');
  assert.is(res.body.toString(), 'ab');
  assert.equal(fLog, ['plain-sync']);
});

frozen('async chain: setHeader still works until the head reaches http-header, but the chain stays as it was', async () => {
  const { res } = await request(F.port, '/frozen/async');
  // The async filter still holds the first brigade: the head is not serialised yet.
  assert.is(fErrors['async:sentAfterWrite'], 'false');
  assert.is(fErrors['async'], 'no error');
  // The new type reaches the head ...
  assert.is(res.headers['content-type'], 'text/html');
  assert.is(res.body.toString(), 'ab');
  // ... but the text/html filter was not added after the first output.
  assert.equal(fLog, []);
});

frozen('the content type set last before the first output decides membership', async () => {
  const { res } = await request(F.port, '/frozen/before');
  assert.is(res.headers['content-type'], 'text/html');
  assert.equal(fLog, ['html-only']);
});

// =====================================================================
// What filters see and do
// =====================================================================

const out = suite('filters: output');
let B: Running;
const calls: Record<string, string[]> = {};
const headerNotes: string[] = [];
let flushGate: () => void = () => {};
let bigFile = '';
let textFile = '';
const BIG = 200_000;

function bigPattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; ++i) b[i] = 97 + (i % 26);
  return b;
}

out.before(async () => {
  bigFile = tmpFile('big.txt', bigPattern(BIG));
  textFile = tmpFile('page.txt', 'Hello, File!\nsecond line é\n');
  B = await start((s) => {
    // Kinds of bucket per call.
    s.filter(
      {
        name: 'kinds',
        type: 'resource',
        filter(ctx, b) {
          (calls[ctx.request.path] ??= []).push(kinds(b));
          return ctx.pass(b);
        },
      },
      { path: '/kinds' },
    );
    s.filter(asyncDelay('async', 3), { path: '/async' });
    s.filter(asyncDelay('async-2', 1, 'content-set'), { path: '/async' });
    s.filter(uppercaseFilter, { path: '/upper', contentTypes: ['text/plain'] });
    // An insert filter: "[" and "]" around every data bucket, the bytes between untouched.
    s.filter(
      {
        name: 'brackets',
        type: 'resource',
        filter(ctx, b) {
          const out = new Brigade();
          for (const x of b.buckets) {
            if (x.length > 0) out.append(HeapBucket.fromString('['), x, HeapBucket.fromString(']'));
            else out.append(x);
          }
          return ctx.pass(out);
        },
      },
      { path: '/insert' },
    );
    // Header changes before the head goes out; notes on what happens after.
    s.filter(
      {
        name: 'headers',
        type: 'resource',
        filter(ctx: FilterContext<number>, b: Brigade) {
          ctx.state = (ctx.state ?? 0) + 1;
          if (ctx.state === 1) {
            ctx.response.setHeader('X-Filtered', 'yes');
            ctx.response.removeHeader('content-length');
            ctx.response.removeHeader('x-secret');
            headerNotes.push(`first:sent=${ctx.response.headersSent}`);
          } else {
            headerNotes.push(`call${ctx.state}:sent=${ctx.response.headersSent}`);
            try {
              ctx.response.setHeader('X-Late', '1');
            } catch (err) {
              headerNotes.push((err as Error).message);
            }
          }
          if (b.hasEos) b.buckets.splice(b.buckets.findIndex((x) => x instanceof EosBucket), 0, HeapBucket.fromString('!!'));
          return ctx.pass(b);
        },
      } as Filter<number>,
      { path: '/headers' },
    );
    // A connection filter (after the chunk filter) that splits every data bucket into
    // single bytes: it splits the head, the chunk-size lines, CRLFs and the last-chunk.
    s.filter(
      {
        name: 'byte-splitter',
        type: 'connection',
        filter(ctx, b) {
          for (let i = 0; i < b.buckets.length; ++i) if (b.buckets[i]!.length > 1) b.partition(b.buckets.slice(0, i).reduce((n, x) => n + x.length, 0) + 1);
          return ctx.pass(b);
        },
      },
      { path: '/split' },
    );
    s.filter(passThrough(), { path: '/cl' });
    s.filter(buffering(), { path: '/cl/buffered' });

    s.get('/kinds/flush', async (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('first');
      (r as Flushable).flush();
      await new Promise<void>((resolve) => {
        flushGate = resolve;
      });
      r.write('second');
      r.end();
    });
    s.get('/kinds/end-chunk', (_q, r) => r.end('all at once'));
    s.get('/async/lines', (q, r) => {
      const n = Number(q.query || 60);
      r.setHeader('Content-Type', 'text/plain');
      for (let i = 0; i < n; ++i) r.write(`line ${i}\n`);
      r.end('end\n');
    });
    s.get('/async/awaiting', async (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      for (let i = 0; i < 20; ++i) {
        r.write(`a${i},`);
        if (i % 3 === 0) await new Promise((x) => setTimeout(x, 1));
        if (i % 5 === 0) (r as Flushable).flush();
      }
      r.end('done');
    });
    s.get('/async/big/:id', (q, r) => {
      // 24 writes of 16 KiB with a distinct byte each: slabs fill and are retired
      // while brigades still wait behind the async filters.
      const id = Number(q.params['id']);
      r.setHeader('Content-Type', 'application/octet-stream');
      for (let i = 0; i < 24; ++i) r.write(Buffer.alloc(16384, 33 + ((id * 7 + i) % 90)));
      r.end();
    });
    s.get('/upper/stream', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain; charset=utf-8');
      r.write('hello ');
      r.write('wörld, ');
      r.write(Buffer.from('€uro').subarray(0, 2)); // a UTF-8 sequence cut in two
      r.write(Buffer.from('€uro').subarray(2));
      r.end(' and 123 abc\n');
    });
    s.get('/upper/whole', (_q, r) => r.setHeader('Content-Type', 'text/plain').end('whole body'));
    s.get('/upper/json', (_q, r) => r.json({ lower: 'case' }));
    s.get('/upper/file', (_q, r) => r.sendFile(textFile, { contentType: 'text/plain; charset=utf-8' }));
    s.get('/upper/bigfile', (_q, r) => r.sendFile(bigFile, { contentType: 'text/plain' }));
    s.get('/split/stream', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('ab');
      r.write('cde');
      r.end('f');
    });
    s.get('/insert/x', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('one');
      r.write('two');
      r.end('three');
    });
    s.get('/headers/whole', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.setHeader('Content-Length', 999); // wrong on purpose: the filter removes it
      r.setHeader('X-Secret', 'hide me');
      r.end('abc');
    });
    s.get('/headers/stream', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('a');
      r.write('b');
      r.end();
    });
    s.all('/cl/whole', (_q, r) => r.setHeader('Content-Type', 'text/plain').end('whole body'));
    s.all('/cl/stream', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('ab');
      r.end('cd');
    });
    s.get('/cl/empty-stream', (_q, r) => {
      r.write('');
      r.end();
    });
    s.get('/cl/buffered/x', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('buf');
      (r as Flushable).flush();
      r.write('fer');
      r.end('ed');
    });
    s.get('/cl/file', (_q, r) => r.sendFile(textFile));
    s.get('/cl/204', (_q, r) => r.status(204).end());
  });
});
out.after(cleanupAll);

out('a filter sees HEAP buckets, FLUSH for res.flush(), and EOS+EOR at the end; FLUSH pushes bytes out', async () => {
  const c = await RawClient.open(B.port);
  try {
    await c.write(requestHead('/kinds/flush'));
    // The handler waits at the gate: "first" must arrive before the response ends.
    await waitUntil(() => c.received().includes('first'), 5000, () => JSON.stringify(c.received().toString('latin1')));
    assert.not.ok(c.received().includes('second'));
    flushGate();
    const res = await c.response();
    assert.is(res.body.toString(), 'firstsecond');
  } finally {
    c.destroy();
  }
  assert.equal(calls['/kinds/flush'], ['heap', 'flush', 'heap', 'eos,eor']);
  await request(B.port, '/kinds/end-chunk');
  assert.equal(calls['/kinds/end-chunk'], ['heap,eos,eor']);
});

out('async filters keep the output order across many res.write calls', async () => {
  // Sequential, on one keep-alive connection.
  const ka = await KeepAlive.open(B.port);
  try {
    for (let round = 0; round < 5; ++round) {
      const res = await ka.get('/async/lines?40');
      let want = '';
      for (let i = 0; i < 40; ++i) want += `line ${i}\n`;
      assert.is(res.body.toString(), `${want}end\n`);
      assert.ok(res.chunked);
    }
    const aw = await ka.get('/async/awaiting');
    assert.is(aw.body.toString(), `${Array.from({ length: 20 }, (_, i) => `a${i},`).join('')}done`);
  } finally {
    ka.close();
  }
  // Several responses at once, each in order.
  const many = await Promise.all(Array.from({ length: 8 }, () => request(B.port, '/async/lines?25')));
  for (const { res } of many) {
    assert.is(res.body.toString(), `${Array.from({ length: 25 }, (_, i) => `line ${i}\n`).join('')}end\n`);
  }
});

// Many large writes behind async filters: brigades wait (in sendBrigade's queue and inside
// the filters) while other writes fill slabs; the slabs they view must not be reused meanwhile.
out('async filters: bytes stay intact while slabs are retired and reused (many large writes, concurrent)', async () => {
  const results = await Promise.all(Array.from({ length: 32 }, (_, id) => request(B.port, `/async/big/${id}`, { timeout: 15000 })));
  let bad = 0;
  results.forEach(({ res }, id) => {
    const want = Buffer.concat(Array.from({ length: 24 }, (_, i) => Buffer.alloc(16384, 33 + ((id * 7 + i) % 90))));
    if (!res.body.equals(want)) bad++;
  });
  assert.is(bad, 0, `${bad} of 32 bodies corrupted`);
});

out('replace filter (uppercase example) over a streamed response, byte-wise, UTF-8 intact', async () => {
  const { res } = await request(B.port, '/upper/stream');
  assert.is(res.body.toString('utf8'), 'HELLO WöRLD, €URO AND 123 ABC\n');
  assert.ok(res.chunked);
  const whole = await request(B.port, '/upper/whole');
  assert.is(whole.res.body.toString(), 'WHOLE BODY');
  assert.is(whole.res.headers['content-length'], '10');
  // Not text/plain: the filter is not in the chain.
  const json = await request(B.port, '/upper/json');
  assert.is(json.res.body.toString(), '{"lower":"case"}');
});

out('replace filter reads FILE buckets in bounded pieces and keeps Content-Length', async () => {
  const small = await request(B.port, '/upper/file');
  assert.is(small.res.body.toString('utf8'), 'HELLO, FILE!\nSECOND LINE é\n');
  assert.is(small.res.headers['content-length'], String(Buffer.byteLength('Hello, File!\nsecond line é\n')));
  const big = await request(B.port, '/upper/bigfile', { timeout: 10000 });
  assert.is(big.res.headers['content-length'], String(BIG));
  assert.ok(big.res.body.equals(Buffer.from(bigPattern(BIG).toString('latin1').toUpperCase(), 'latin1')));
  assert.ok(BIG > 3 * UPPERCASE_PIECE, 'the file needs several pieces');
});

out('insert filter: new buckets around untouched ones, per write', async () => {
  const { res } = await request(B.port, '/insert/x');
  assert.is(res.body.toString(), '[one][two][three]');
});

out('a connection filter may split every bucket, built-in framing buckets included; later responses are unaffected', async () => {
  const ka = await KeepAlive.open(B.port);
  try {
    for (let i = 0; i < 4; ++i) {
      const res = await ka.get('/split/stream');
      assert.is(res.body.toString(), 'abcdef', `round ${i}`);
      assert.ok(res.chunked);
    }
  } finally {
    ka.close();
  }
  // The chunk framing of another response is intact (no shared bucket was cut short).
  const other = await request(B.port, '/cl/stream');
  assert.is(bodyBytes(other.raw).toString(), '2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n');
});

out('a filter changes headers before the head goes out; after it, setHeader throws', async () => {
  headerNotes.length = 0;
  const whole = await request(B.port, '/headers/whole');
  assert.is(whole.res.headers['x-filtered'], 'yes');
  assert.is(whole.res.headers['x-secret'], undefined);
  // The declared (wrong) length is gone; the real one is computed from the one brigade with EOS.
  assert.is(whole.res.headers['content-length'], '5');
  assert.is(whole.res.body.toString(), 'abc!!');
  assert.equal(headerNotes, ['first:sent=false']);

  headerNotes.length = 0;
  const stream = await request(B.port, '/headers/stream');
  assert.is(stream.res.headers['x-filtered'], 'yes');
  assert.is(stream.res.headers['x-late'], undefined);
  assert.is(stream.res.headers['transfer-encoding'], 'chunked');
  assert.is(stream.res.body.toString(), 'ab!!');
  assert.equal(headerNotes, [
    'first:sent=false',
    'call2:sent=true',
    'headers already sent',
    'call3:sent=true',
    'headers already sent',
  ]);
});

out('framing: Content-Length for a whole body, chunked for a stream on 1.1, close-delimited on 1.0', async () => {
  const whole = await request(B.port, '/cl/whole');
  assert.is(whole.res.headers['content-length'], '10');
  assert.is(whole.res.headers['transfer-encoding'], undefined);
  assert.is(whole.res.body.toString(), 'whole body');

  const stream = await request(B.port, '/cl/stream');
  assert.is(stream.res.headers['content-length'], undefined);
  assert.is(stream.res.headers['transfer-encoding'], 'chunked');
  assert.is(bodyBytes(stream.raw).toString(), '2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n');

  const empty = await request(B.port, '/cl/empty-stream');
  assert.is(empty.res.headers['transfer-encoding'], 'chunked');
  assert.is(bodyBytes(empty.raw).toString(), '0\r\n\r\n');

  const old = await request(B.port, '/cl/stream', { version: '1.0' });
  assert.is(old.res.version, '1.1');
  assert.is(old.res.headers['content-length'], undefined);
  assert.is(old.res.headers['transfer-encoding'], undefined);
  assert.is(old.res.headers['connection'], 'close');
  assert.is(old.res.body.toString(), 'abcd');

  const oldWhole = await request(B.port, '/cl/whole', { version: '1.0' });
  assert.is(oldWhole.res.headers['content-length'], '10');
  assert.is(oldWhole.res.body.toString(), 'whole body');

  // HTTP/1.0 keep-alive with a streamed body: it cannot be delimited, so the connection closes.
  const oldKa = await request(B.port, '/cl/stream', { version: '1.0', headers: { Connection: 'keep-alive' } });
  assert.is(oldKa.res.headers['connection'], 'close');
  assert.is(oldKa.res.body.toString(), 'abcd');

  // A filter that holds the body until EOS turns a stream into one brigade: Content-Length.
  const buffered = await request(B.port, '/cl/buffered/x');
  assert.is(buffered.res.headers['content-length'], '8');
  assert.is(buffered.res.body.toString(), 'buffered');

  // A file through the chain: its length is known, so Content-Length.
  const file = await request(B.port, '/cl/file');
  assert.is(file.res.headers['content-length'], String(fs.statSync(textFile).size));
  assert.ok(file.res.body.equals(fs.readFileSync(textFile)));

  const noContent = await request(B.port, '/cl/204');
  assert.is(noContent.res.status, 204);
  assert.is(noContent.res.headers['content-length'], undefined);
  assert.is(noContent.res.headers['transfer-encoding'], undefined);
  assert.is(bodyBytes(noContent.raw).length, 0);
});

out('HEAD through the chain: the GET head, no body bytes (pipelined GET still parses)', async () => {
  const c = await RawClient.open(B.port);
  try {
    await c.write(requestHead('/cl/stream', { method: 'HEAD' }) + requestHead('/cl/whole', { method: 'HEAD' }) + requestHead('/cl/whole', { headers: { Connection: 'close' } }));
    await c.waitEnd(5000);
    const all = parseAll(c.received(), [true, true, false]);
    assert.is(all.length, 3);
    assert.is(all[0]!.headers['transfer-encoding'], 'chunked');
    assert.is(all[0]!.body.length, 0);
    assert.is(all[1]!.headers['content-length'], '10');
    assert.is(all[1]!.body.length, 0);
    assert.is(all[2]!.body.toString(), 'whole body');
    assert.is(all.reduce((n, r) => n + r.size, 0), c.received().length, 'no stray bytes (no last-chunk after a HEAD)');
  } finally {
    c.destroy();
  }
});

// =====================================================================
// Failing filters
// =====================================================================

const fail = suite('filters: failures');
let C: Running;
const cleanups: Record<string, number> = {};

fail.before(async () => {
  C = await start((s) => {
    s.filter({ name: 'throws-first', type: 'resource', filter() { throw new Error('boom first'); } }, { path: '/boom/first' });
    s.filter(
      {
        name: 'throws-second',
        type: 'resource',
        filter(ctx: FilterContext<number>, b: Brigade) {
          ctx.state = (ctx.state ?? 0) + 1;
          if (ctx.state === 2) throw new Error('boom second');
          return ctx.pass(b);
        },
      } as Filter<number>,
      { path: '/boom/second' },
    );
    s.filter(
      {
        name: 'rejects',
        type: 'content-set',
        async filter(ctx, b) {
          await new Promise((r) => setTimeout(r, 1));
          if (b.hasEos) throw new Error('boom async');
          await ctx.pass(b);
        },
      },
      { path: '/boom/async' },
    );
    s.filter(
      {
        name: 'throws-in-protocol',
        type: 'connection',
        filter(_ctx, b) {
          if (b.hasEos) throw new Error('boom late');
          return _ctx.pass(b);
        },
      },
      { path: '/boom/connection' },
    );
    const h: Handler = (q, r) => {
      q.pool.cleanup(() => {
        cleanups[q.path] = (cleanups[q.path] ?? 0) + 1;
      });
      r.setHeader('Content-Type', 'text/plain');
      r.write('abc');
      r.write('def');
      r.end('ghi');
    };
    for (const p of ['/boom/first', '/boom/second', '/boom/async', '/boom/connection']) s.get(p, h);
    s.get('/ok', (_q, r) => r.end('ok'));
  });
});
fail.after(cleanupAll);

fail('a filter that throws or rejects: the connection closes (no hang), the pool is cleaned once, others are served', async () => {
  await capturingWarnings(/output filter failed/, async (warnings) => {
    const expectBody: Record<string, RegExp> = {
      // Nothing reached the header filter: no bytes at all.
      '/boom/first': /^$/,
      // The head and the first chunk went out, then the close.
      '/boom/second': /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n3\r\nabc\r\n$/,
      '/boom/async': /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n$/,
      '/boom/connection': /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n$/,
    };
    for (const [p, re] of Object.entries(expectBody)) {
      const c = await RawClient.open(C.port);
      try {
        // A keep-alive request: the failure must end the connection, not leave it hanging.
        await c.write(requestHead(p));
        await within(c.waitEnd(5000), 6000, `${p}: connection closed`);
        const got = c.received().toString('latin1');
        assert.match(got, re, `${p}: ${JSON.stringify(got)}`);
        assert.not.match(got, /0\r\n\r\n/, `${p}: no terminating chunk: the body must look truncated`);
      } finally {
        c.destroy();
      }
      // The server goes on serving.
      const ok = await request(C.port, '/ok');
      assert.is(ok.res.body.toString(), 'ok', `after ${p}`);
    }
    await waitUntil(() => Object.keys(cleanups).length === 4 && C.server.stats().poolsLive === 0, 5000, () => JSON.stringify({ cleanups, stats: C.server.stats().poolsLive }));
    assert.equal(cleanups, { '/boom/first': 1, '/boom/second': 1, '/boom/async': 1, '/boom/connection': 1 });
    assert.is(warnings.length, 4, 'each failure is reported once');
    await waitUntil(() => C.server.stats().connectionsOpen === 0, 5000, () => JSON.stringify(C.server.stats()));
  });
});

// SKIPPED — bug in native/conn (Connection::flush()/release() in writer.cc, with
// after_output_drained()): an EOR that carries BUCKET_CLOSE only sets close_after_output_;
// responses to requests that were already read and dispatched behind it (pipelining) are
// still written on the same connection before it closes. Here GET /boom/first fails before
// any byte (the response is ended with a close), and the pipelined GET /ok's response is
// then sent — the client takes "ok" as the answer to /boom/first. The same happens without
// filters: a handler that sets "Connection: close", or an HTTP/1.0 streamed response whose
// body is delimited by the close, is followed by the next pipelined response (for 1.0 the
// client reads that response as part of the body).
// Fix: when the writer releases an EOR with close_after, stop writing: release every later
// bucket in out_ and parked_ unsent (release(b, false): fds closed, slabs dropped, pools
// reported with sent=0), then close as after_output_drained() would.
fail('a failed response ends its connection: pipelined requests behind it get no response', async () => {
  await capturingWarnings(/output filter failed/, async () => {
    const c = await RawClient.open(C.port);
    try {
      await c.write(requestHead('/boom/first') + requestHead('/ok'));
      await within(c.waitEnd(5000), 6000, 'connection closed');
      assert.is(c.received().toString('latin1'), '', 'nothing may follow the failed response');
    } finally {
      c.destroy();
    }
  });
});

// =====================================================================
// Async filters: what they hold stays valid while they wait
// =====================================================================

const asyncSafety = suite('filters: async filters hold valid data');
let H: Running;

asyncSafety.before(async () => {
  // A small request ring, so it wraps while responses wait in async filters.
  H = await start(
    (s) => {
      s.filter(asyncDelay('hold', 4), { path: '/whole' });
      // Reads the request after the handler returned and the filter awaited; echoes it in the body.
      s.filter(
        {
          name: 'late-reader',
          type: 'resource',
          async filter(ctx, b) {
            if (b.hasEos) {
              await new Promise((r) => setTimeout(r, 15));
              const at = b.buckets.findIndex((x) => x instanceof EosBucket);
              b.buckets.splice(at, 0, HeapBucket.fromString(`|${ctx.request.header('x-id')}|${ctx.request.path}|${ctx.request.query}`));
            }
            await ctx.pass(b);
          },
        },
        { path: '/late' },
      );
      // A sync filter that forgets to return ctx.pass()'s promise, in front of an async one.
      s.filter({ name: 'forgetful', type: 'resource', filter: (ctx, b) => void ctx.pass(b) }, { path: '/forgetful' });
      s.filter(asyncDelay('hold-2', 4, 'content-set'), { path: '/forgetful' });
      s.get('/forgetful/:id', (q, r) => {
        const id = Number(q.params['id']);
        r.setHeader('Content-Type', 'application/octet-stream');
        r.end(Buffer.alloc(48 * 1024, 33 + (id % 90)));
      });
      s.get('/whole/:id', (q, r) => {
        const id = Number(q.params['id']);
        r.setHeader('Content-Type', 'application/octet-stream');
        r.end(Buffer.alloc(48 * 1024, 33 + (id % 90)));
      });
      s.get('/late/:id', (_q, r) => r.end('ok'));
    },
    // The event MPM: with the looper, a full request ring stalls (see the skipped test below).
    { mpm: 'event', requestRingBytes: 128 * 1024, limits: { maxHeaderBytes: 8192, maxPipelined: 16 } },
  );
});
asyncSafety.after(cleanupAll);

asyncSafety('a brigade an async filter holds is not overwritten when slabs are reused meanwhile', async () => {
  // One brigade per response (end() with the whole body): nothing waits outside the filter.
  for (let round = 0; round < 3; ++round) {
    const results = await Promise.all(Array.from({ length: 32 }, (_, id) => request(H.port, `/whole/${id}`, { timeout: 10000 })));
    results.forEach(({ res }, id) => {
      assert.is(res.body.length, 48 * 1024);
      assert.ok(res.body.equals(Buffer.alloc(48 * 1024, 33 + (id % 90))), `body ${id} intact (round ${round})`);
    });
  }
});

async function lateReaders(port: number): Promise<void> {
  const pad = 'p'.repeat(2000);
  const conns = 8;
  const perConn = 16;
  await Promise.all(
    Array.from({ length: conns }, async (_, c) => {
      const client = await RawClient.open(port);
      try {
        let burst = '';
        for (let i = 0; i < perConn; ++i) burst += requestHead(`/late/${c}-${i}?q=${i}`, { headers: { 'X-Pad': pad, 'X-Id': `id-${c}-${i}` } });
        await client.write(burst);
        const all = await client.responses(perConn, { timeout: 10000 });
        all.forEach((res, i) => assert.is(res.body.toString(), `ok|id-${c}-${i}|/late/${c}-${i}|q=${i}`));
      } finally {
        client.destroy();
      }
    }),
  );
}

asyncSafety('an async filter behind one that does not return ctx.pass() still sends intact bytes', async () => {
  // The response cannot know the chain is still busy (the pass returned undefined), so it
  // unpins the slabs at once: the chain copies what the async filter holds instead.
  for (let round = 0; round < 3; ++round) {
    const results = await Promise.all(Array.from({ length: 32 }, (_, id) => request(H.port, `/forgetful/${id}`, { timeout: 10000 })));
    results.forEach(({ res }, id) => {
      assert.ok(res.body.equals(Buffer.alloc(48 * 1024, 33 + (id % 90))), `body ${id} intact (round ${round})`);
    });
  }
});

asyncSafety('ctx.request stays valid in an async filter after the handler returned and the request ring moved on', async () => {
  // 8 connections x 16 pipelined requests of ~2 KiB: the 128 KiB ring wraps while filters wait.
  await lateReaders(H.port);
});

// SKIPPED — bug in native/mpm (looper MPM only; no filter involved): when the request ring
// is full, Connection's reserve_or_block() (native/conn/connection.cc) parks the connection
// in ctx.ring_waiters and sets kReqBlocked; JS drains and calls native.wake(), which for the
// looper runs LooperDriver::Turn() directly. But ring_waiters are resumed only in
// IoLoop::on_event() for the eventfd waker token (native/mpm/io_loop.cc, kWakerToken branch),
// which nothing signals on the looper path, so those connections never read on: here 4-5 of
// 8 connections get 0-12 of their 16 responses and hang. The event MPM (the test above) is fine.
// Fix: move the "clear kReqBlocked and make ring_waiters runnable" block into a helper and
// also call it at the start of IoLoop::turn() (or from LooperMpm::wake()) whenever
// ring_waiters is not empty.
asyncSafety('looper MPM: pipelined requests that fill the request ring are all answered', async () => {
  const L = await start((s) => s.get('/late/:id', (q, r) => r.end(`ok|${q.header('x-id')}|${q.path}|${q.query}`)), {
    mpm: 'looper',
    requestRingBytes: 128 * 1024,
    limits: { maxHeaderBytes: 8192, maxPipelined: 16 },
  });
  try {
    await lateReaders(L.port);
  } finally {
    await stop(L.server);
  }
});

// =====================================================================
// The straddle: a directive split across two res.write() calls
// =====================================================================

const straddle = suite('filters: SSI directive straddling writes');
let D: Running;
const TOKEN = '<!--#echo var="X" -->';
const ssiStates: SsiState[] = [];

straddle.before(async () => {
  D = await start((s) => {
    s.filter(ssiFilter({ X: 'value-of-X', Y: 'why' }, (st) => ssiStates.push({ ...st })), { path: '/ssi' });
    // Each query parameter p is one res.write() (in order); keep-alive friendly.
    s.get('/ssi/parts', (q, r) => {
      r.setHeader('Content-Type', 'text/html');
      for (const part of q.searchParams.getAll('p')) r.write(part);
      r.end(q.searchParams.get('last') ?? '');
    });
  });
});
straddle.after(cleanupAll);

function partsUrl(parts: string[], last = ''): string {
  const sp = new URLSearchParams();
  for (const p of parts) sp.append('p', p);
  if (last) sp.set('last', last);
  return `/ssi/parts?${sp.toString()}`;
}

straddle('a directive split at every point across two writes is recognised and replaced', async () => {
  const ka = await KeepAlive.open(D.port);
  try {
    for (let k = 0; k <= TOKEN.length; ++k) {
      ssiStates.length = 0;
      const res = await ka.get(partsUrl([`before ${TOKEN.slice(0, k)}`, `${TOKEN.slice(k)} after`]));
      assert.is(res.body.toString(), 'before value-of-X after', `split at ${k}`);
      assert.is(ssiStates[0]?.replaced, 1, `one replacement at ${k}`);
    }
  } finally {
    ka.close();
  }
});

straddle('split into three writes at every pair of points; directives back to back', async () => {
  const ka = await KeepAlive.open(D.port);
  try {
    for (let i = 0; i <= TOKEN.length; ++i) {
      for (let j = i; j <= TOKEN.length; ++j) {
        const res = await ka.get(partsUrl([`<p>${TOKEN.slice(0, i)}`, TOKEN.slice(i, j), `${TOKEN.slice(j)}</p>`]));
        assert.is(res.body.toString(), '<p>value-of-X</p>', `split at ${i},${j}`);
      }
    }
    // Two directives, the second straddling, the first whole.
    const two = TOKEN + TOKEN.replace('X', 'Y');
    for (let k = 0; k <= two.length; ++k) {
      const res = await ka.get(partsUrl([two.slice(0, k)], two.slice(k)));
      assert.is(res.body.toString(), 'value-of-Xwhy', `two directives split at ${k}`);
    }
  } finally {
    ka.close();
  }
});

straddle('near misses pass through unchanged; an unfinished directive at the end is kept as sent', async () => {
  const ka = await KeepAlive.open(D.port);
  try {
    const cases: [string[], string, string][] = [
      [['<!-- plain', ' comment -->'], '', '<!-- plain comment -->'],
      [['a <', 'b> c'], '', 'a <b> c'],
      [['x <!--#echo var="X"'], ' -- >', 'x <!--#echo var="X" -- >'],
      [['tail <!--#echo va'], '', 'tail <!--#echo va'], // EOS arrives while a prefix is held
      [['<!--#echo var="NOPE" -->'], '', '(none)'],
      [['<<<', TOKEN.slice(0, 3)], TOKEN.slice(3), '<<<value-of-X'],
    ];
    for (const [parts, last, want] of cases) {
      const res = await ka.get(partsUrl(parts, last));
      assert.is(res.body.toString(), want, JSON.stringify(parts));
    }
  } finally {
    ka.close();
  }
});

straddle('the SSI filter inserts without copying the untouched bytes', async () => {
  // Driven directly, no server: the bytes around the directive stay views of the original memory.
  const f = ssiFilter({ X: 'v' });
  const passed: Brigade[] = [];
  const seenText: string[] = []; // what each passed brigade held at the time it was passed
  const ctx = {
    request: {} as never,
    response: { removeHeader() {} } as never,
    state: undefined,
    pass: (b: Brigade) => {
      passed.push(b);
      seenText.push(b.buckets.map((x) => (x instanceof HeapBucket ? x.text() : '')).join(''));
    },
  } as FilterContext<SsiState>;
  f.init!(ctx);
  const mem = Buffer.from(`head ${TOKEN} tail`);
  f.filter(ctx, new Brigade([new HeapBucket(mem), new EosBucket()]));
  const bucketsOut = passed.flatMap((b) => b.buckets);
  const texts = bucketsOut.map((b) => (b instanceof HeapBucket ? b.text() : b.kind));
  assert.equal(texts, ['head ', 'v', ' tail', 'eos']);
  assert.is((bucketsOut[0] as HeapBucket).bytes.buffer, mem.buffer, 'head bytes not copied');
  assert.is((bucketsOut[2] as HeapBucket).bytes.buffer, mem.buffer, 'tail bytes not copied');
  // A held prefix is set aside (copied): the next brigade may reuse the memory.
  passed.length = 0;
  seenText.length = 0;
  const ctx2 = { ...ctx, state: undefined } as FilterContext<SsiState>;
  f.init!(ctx2);
  const mem2 = Buffer.from(`a ${TOKEN.slice(0, 6)}`);
  f.filter(ctx2, new Brigade([new HeapBucket(mem2), new FlushBucket()]));
  mem2.fill(0x3f); // the "slab" is reused once the first brigade went out
  f.filter(ctx2, new Brigade([HeapBucket.fromString(TOKEN.slice(6)), new EosBucket()]));
  assert.equal(seenText, ['a ', 'v']);
  assert.equal(passed.map(kinds), ['heap,flush', 'heap,eos']);
});

// =====================================================================
// The example filters
// =====================================================================

const examples = suite('filters: examples');
let E: Running;
const BANNER = '<div id="banner">hi</div>';

examples.before(async () => {
  E = await start((s) => {
    s.filter(bannerFilter(BANNER), { contentTypes: ['text/html'] });
    s.filter(uppercaseFilter, { contentTypes: ['text/plain'] });
    s.get('/page', (q, r) => {
      r.setHeader('Content-Type', q.searchParams.get('type') ?? 'text/html; charset=utf-8');
      for (const part of q.searchParams.getAll('p')) r.write(part);
      r.end(q.searchParams.get('last') ?? '');
    });
    s.get('/page/declared', (_q, r) => {
      r.setHeader('Content-Type', 'text/html');
      r.setHeader('Content-Length', 25);
      r.end('<html><body>x</body></html>'.slice(0, 25));
    });
    s.get('/file/:name', (q, r) => r.sendFile(path.join(tmp, q.params['name']!)));
  });
  tmpFile('page.html', `<html><head><title>t</title></head><body class="f">${'x'.repeat(100)}</body></html>`);
  // A page whose <body> tag lies beyond the first 64 KiB piece, straddling the piece boundary.
  const pre = 64 * 1024 - 3;
  tmpFile('long.html', `<html>${'-'.repeat(pre - 6)}<body>after</body></html>`);
});
examples.after(cleanupAll);

function pageUrl(parts: string[], last = '', type?: string): string {
  const sp = new URLSearchParams();
  for (const p of parts) sp.append('p', p);
  if (last) sp.set('last', last);
  if (type) sp.set('type', type);
  return `/page?${sp.toString()}`;
}

examples('banner: inserted right after <body>, also when the tag straddles writes at any point', async () => {
  const tag = '<body class="main">';
  const ka = await KeepAlive.open(E.port);
  try {
    for (let k = 0; k <= tag.length; ++k) {
      const res = await ka.get(pageUrl(['<html><head></head>', tag.slice(0, k), `${tag.slice(k)}content`], '</body></html>'));
      assert.is(res.body.toString(), `<html><head></head>${tag}${BANNER}content</body></html>`, `split at ${k}`);
    }
    // Plain <body>, upper case, in one piece; only the first body tag gets a banner.
    const one = await ka.get(pageUrl([], '<BODY>a<body>b'));
    assert.is(one.body.toString(), `<BODY>${BANNER}a<body>b`);
    // Look-alikes are not body tags.
    const near = await ka.get(pageUrl(['<bod', 'y-x>', '<bodyx>'], '<b>no</b>'));
    assert.is(near.body.toString(), '<body-x><bodyx><b>no</b>');
    // Not HTML: no banner.
    const plain = await ka.get(pageUrl(['<body>'], '', 'text/csv'));
    assert.is(plain.body.toString(), '<body>');
  } finally {
    ka.close();
  }
  // A declared Content-Length is dropped by the filter and recomputed.
  const declared = await request(E.port, '/page/declared');
  assert.is(declared.res.body.toString(), `<html><body>${BANNER}x</body></htm`);
  assert.is(declared.res.headers['content-length'], String(declared.res.body.length));
});

examples('banner: html files through sendFile (FILE buckets read in pieces), tag across the piece boundary', async () => {
  const page = await request(E.port, '/file/page.html');
  assert.is(page.res.body.toString(), `<html><head><title>t</title></head><body class="f">${BANNER}${'x'.repeat(100)}</body></html>`);
  const long = await request(E.port, '/file/long.html');
  const body = long.res.body.toString();
  assert.ok(body.endsWith(`<body>${BANNER}after</body></html>`), body.slice(-80));
  assert.is(body.length, fs.statSync(path.join(tmp, 'long.html')).size + BANNER.length);
});

examples('uppercase: text/plain only, streamed chunk by chunk', async () => {
  const res = await request(E.port, pageUrl(['abc ', 'déf '], 'xyz', 'text/plain; charset=utf-8'));
  assert.is(res.res.body.toString(), 'ABC DéF XYZ');
  assert.is(res.res.headers['transfer-encoding'], 'chunked');
  const html = await request(E.port, pageUrl([], 'abc', 'text/html'));
  assert.is(html.res.body.toString(), 'abc');
});

// =====================================================================
// Chain path and fast path give the same bytes
// =====================================================================

const same = suite('filters: chain path = fast path');
let G: Running;
const handlers: Record<string, Handler> = {};

same.before(async () => {
  const file = tmpFile('same.bin', bigPattern(70_000));
  const big = bigPattern(300_000);
  Object.assign(handlers, {
    text: (_q, r) => r.setHeader('Content-Type', 'text/plain').end('hello'),
    utf8: (_q, r) => r.setHeader('Content-Type', 'text/plain; charset=utf-8').end('déjà vu €'),
    bytes: (_q, r) => r.end(new Uint8Array([0, 1, 2, 255])),
    big: (_q, r) => r.setHeader('Content-Type', 'application/octet-stream').end(big),
    empty: (_q, r) => r.end(),
    json: (_q, r) => r.json({ a: [1, 2], b: 'c' }),
    stream: (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('one ');
      r.write(Buffer.from('two '));
      r.write('');
      r.end('three');
    },
    'stream-big': (_q, r) => {
      r.write(big.subarray(0, 100_000));
      r.write(big.subarray(100_000));
      r.end();
    },
    flush: (_q, r) => {
      r.write('a');
      (r as Flushable).flush();
      r.end('b');
    },
    async: async (_q, r) => {
      await new Promise((x) => setTimeout(x, 2));
      r.setHeader('Content-Type', 'text/plain');
      r.write('late ');
      await new Promise((x) => setTimeout(x, 2));
      r.end('end');
    },
    headers: (_q, r) => {
      r.status(201);
      r.setHeader('X-One', '1');
      r.appendHeader('Set-Cookie', 'a=1');
      r.appendHeader('Set-Cookie', 'b=2');
      r.setHeader('Cache-Control', 'no-store');
      r.end('created');
    },
    declared: (_q, r) => {
      r.setHeader('Content-Length', 6);
      r.write('abc');
      r.end('def');
    },
    'no-content': (_q, r) => r.status(204).end(),
    'not-modified': (_q, r) => r.status(304).setHeader('ETag', '"x"').end(),
    file: (_q, r) => r.sendFile(file),
    'file-range': (_q, r) => r.sendFile(file, { offset: 1000, length: 5000, contentType: 'application/x-test' }),
    'connection-close': (_q, r) => r.setHeader('Connection', 'close').end('bye'),
  } satisfies Record<string, Handler>);
  G = await start((s) => {
    s.filter(passThrough('same'), { path: '/f' });
    for (const [name, h] of Object.entries(handlers)) {
      s.all(`/f/${name}`, h);
      s.all(`/n/${name}`, h);
    }
  });
});
same.after(async () => {
  await cleanupAll();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

same('the same handler gives byte-identical bodies and equal heads (but Date) on both paths', async () => {
  const variants: { label: string; o: Parameters<typeof request>[2] }[] = [
    { label: 'GET 1.1', o: {} },
    { label: 'HEAD 1.1', o: { method: 'HEAD' } },
    { label: 'GET 1.0', o: { version: '1.0' } },
    { label: 'GET 1.0 keep-alive', o: { version: '1.0', headers: { Connection: 'keep-alive' } } },
  ];
  let compared = 0;
  for (const name of Object.keys(handlers)) {
    for (const { label, o } of variants) {
      const viaChain = await request(G.port, `/f/${name}`, o);
      const fast = await request(G.port, `/n/${name}`, o);
      const what = `${name} (${label})`;
      assert.is(headWithoutDate(viaChain.raw), headWithoutDate(fast.raw), `head of ${what}`);
      assert.ok(bodyBytes(viaChain.raw).equals(bodyBytes(fast.raw)), `body bytes of ${what}`);
      assert.ok(viaChain.res.headers['date'] !== undefined && fast.res.headers['date'] !== undefined, `Date on ${what}`);
      compared++;
    }
  }
  assert.is(compared, Object.keys(handlers).length * variants.length);
});

same('both paths on one keep-alive connection, interleaved, stay in sync', async () => {
  const ka = await KeepAlive.open(G.port);
  try {
    for (let round = 0; round < 3; ++round) {
      for (const name of ['stream', 'json', 'file', 'big', 'empty', 'no-content']) {
        const a = await ka.get(`/f/${name}`);
        const b = await ka.get(`/n/${name}`);
        assert.ok(a.body.equals(b.body), name);
        assert.is(a.status, b.status);
      }
    }
  } finally {
    ka.close();
  }
});

chain.run();
frozen.run();
out.run();
fail.run();
asyncSafety.run();
straddle.run();
examples.run();
same.run();
