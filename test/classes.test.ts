// Service classes and queue servers (docs/service-classes.md): option checks,
// the classifier, the scheduler driven by a fake clock (order, admission,
// adaptation), and real servers whose app runs on worker threads.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type ServiceClassOptions } from '../src/index.js';
import { Classifier, type ClassifiableRequest } from '../src/classes/classifier.js';
import { resolveServiceClasses } from '../src/classes/resolve.js';
import { Scheduler, type Clock } from '../src/classes/scheduler.js';
import type { SchedulerMode } from '../src/classes/types.js';
import { start, stop, stopAll, waitUntil, type Running } from './helpers/server.js';
import { capturingWarnings } from './support/warnings.js';
import { RawClient } from './helpers/raw.js';
import { nativeClassRules } from '../src/classes/native-rules.js';

const APP = new URL('./support/queue-app.ts', import.meta.url);

// ---- options ----

const options = suite('service classes: options');

options('invalid goals, importance and duplicate names are refused', () => {
  const bad: ServiceClassOptions[][] = [
    [{ name: 'a', goal: { percentile: 100, ms: 10 } }],
    [{ name: 'a', goal: { percentile: 90, ms: 0 } }],
    [{ name: 'a', goal: { averageMs: -1 } }],
    [{ name: 'a', importance: 6 }],
    [{ name: 'a', maxServers: 5 }],
    [{ name: 'a' }, { name: 'a' }],
    [{ name: 'default' }],
    [{ name: 'a', match: { pathPrefix: 'api' } }],
    [{ name: 'a', match: { header: { name: 'x' } } }],
  ];
  for (const classes of bad) {
    assert.throws(() => resolveServiceClasses({ classes, queueServers: { max: 4 } }, 2), RangeError, JSON.stringify(classes));
  }
  assert.throws(() => resolveServiceClasses({ scheduler: 'lifo' as SchedulerMode }, 2), RangeError);
});

options('defaults: a default class last, queue servers = parallelism, goal scheduling', () => {
  const r = resolveServiceClasses({ classes: [{ name: 'api', goal: { percentile: 90, ms: 800 }, importance: 1 }] }, 3);
  assert.is(r.servers, 3);
  assert.is(r.mode, 'goals');
  assert.equal(r.classes.map((c) => c.name), ['api', 'default']);
  assert.equal(r.classes[0]!.goal, { percentile: 90, ms: 800 });
  assert.is(r.classes[1]!.goal, null);
  assert.is(r.classes[1]!.importance, 3);
  assert.is(r.classes[1]!.maxServers, 3);
});

options('classes without an app module, or app together with fetch, are refused', () => {
  assert.throws(() => createServer({ classes: [{ name: 'a' }] }), /need options\.app/);
  assert.throws(() => createServer({ scheduler: 'fifo' }), /need options\.app/);
  assert.throws(() => createServer({ app: APP, fetch: () => new Response('x') }), /choose one/);
});

// ---- classifier ----

const classify = suite('service classes: classifier');

function fakeReq(method: string, p: string, headers: Record<string, string> = {}): ClassifiableRequest {
  return { method, path: p, header: (n) => headers[n.toLowerCase()] };
}

classify('method, path prefix, host (port ignored), header value and regex; first match wins; else default', () => {
  const { classes } = resolveServiceClasses(
    {
      classes: [
        { name: 'writes', match: { method: ['POST', 'put'] } },
        { name: 'api', match: { pathPrefix: '/api/' } },
        { name: 'tenant', match: { host: 'Tenant.Example' } },
        { name: 'beta', match: { header: { name: 'X-Beta', value: '1' } } },
        { name: 'bot', match: { header: { name: 'user-agent', regex: /bot/gi } } },
        { name: 'both', match: { method: 'GET', pathPrefix: '/both/' } },
      ],
    },
    1,
  );
  const c = new Classifier(classes);
  const name = (r: ClassifiableRequest): string => classes[c.classify(r)]!.name;
  assert.is(name(fakeReq('POST', '/api/x')), 'writes');
  assert.is(name(fakeReq('PUT', '/')), 'writes');
  assert.is(name(fakeReq('GET', '/api/x')), 'api');
  assert.is(name(fakeReq('GET', '/apix')), 'default');
  assert.is(name(fakeReq('GET', '/', { host: 'tenant.example:8080' })), 'tenant');
  assert.is(name(fakeReq('GET', '/', { host: 'other.example' })), 'default');
  assert.is(name(fakeReq('GET', '/', { 'x-beta': '1' })), 'beta');
  assert.is(name(fakeReq('GET', '/', { 'x-beta': '2' })), 'default');
  // A /g regex must not keep state between requests.
  for (let i = 0; i < 3; ++i) assert.is(name(fakeReq('GET', '/', { 'user-agent': 'Googlebot/2.1' })), 'bot');
  assert.is(name(fakeReq('GET', '/both/x')), 'both');
  assert.is(name(fakeReq('HEAD', '/both/x')), 'default', 'every rule of a class must hold');
});

classify('rules handed to the native classifier: method codes, lower-cased host and header name, regex left to JS', () => {
  const { classes } = resolveServiceClasses(
    {
      classes: [
        { name: 'w', match: { method: ['post', 'PURGE'], pathPrefix: '/w/' } },
        { name: 'h', match: { host: 'A.Example', header: { name: 'X-K', value: 'V' } } },
        { name: 'r', match: { header: { name: 'User-Agent', regex: /bot/ } } },
      ],
    },
    1,
  );
  const n = nativeClassRules(classes);
  assert.is(n.defaultClass, 3);
  assert.equal(n.classRules, [
    { methods: [2], methodOther: true, pathPrefix: '/w/', jsOnly: true },
    { methods: [], methodOther: false, host: 'a.example', headerName: 'x-k', headerValue: 'V', jsOnly: false },
    { methods: [], methodOther: false, headerName: 'user-agent', jsOnly: true },
  ]);
});

// ---- scheduler (fake clock) ----

const sched = suite('service classes: scheduler');

class FakeClock implements Clock {
  t = 1000;
  now(): number {
    return this.t;
  }
}

function makeScheduler(classes: ServiceClassOptions[], servers: number, mode: SchedulerMode = 'goals') {
  const clock = new FakeClock();
  const r = resolveServiceClasses({ classes, queueServers: { max: servers }, scheduler: mode }, servers);
  const s = new Scheduler<string>(r.classes, servers, mode, clock);
  return { s, clock, idx: (name: string) => r.classes.findIndex((c) => c.name === name) };
}

/** Runs one request of a class to completion taking ms (fills the class's window). */
function history(h: ReturnType<typeof makeScheduler>, name: string, ms: number, n = 1): void {
  for (let i = 0; i < n; ++i) {
    assert.ok(h.s.offer(h.idx(name), `${name}-hist`));
    const d = h.s.next();
    assert.ok(d, 'a server was free');
    h.clock.t += ms;
    h.s.complete(d!);
  }
}

const GOAL = { percentile: 90, ms: 50 };

sched('the more important class missing its goal is served first, though it arrived last', () => {
  const h = makeScheduler(
    [
      { name: 'interactive', goal: GOAL, importance: 1 },
      { name: 'batch', goal: GOAL, importance: 2 },
    ],
    1,
  );
  history(h, 'interactive', 100); // p90 100 ms: PI 2, missing
  history(h, 'batch', 100); // missing too, but less important
  h.s.evaluate();
  h.s.offer(h.idx('batch'), 'b1');
  h.clock.t += 1;
  h.s.offer(h.idx('interactive'), 'i1');
  assert.ok(h.s.stats()[h.idx('interactive')]!.performanceIndex! > 1);
  const d = h.s.next();
  assert.is(d?.item, 'i1');
  assert.is(h.s.next(), null, 'the only server is busy');
  h.s.complete(d!);
  assert.is(h.s.next(), null, "the free server stays reserved for interactive, which just used it");
  h.s.evaluate();
  h.s.evaluate();
  assert.is(h.s.next(), null, 'interactive still misses its goal: it keeps its reservation while idle');
  h.clock.t += 6000; // its slow samples leave the window
  h.s.evaluate(); // an interval without interactive demand: its reservation shrinks
  h.s.evaluate(); // and batch, with demand, gets the server
  assert.is(h.s.next()?.item, 'b1');
});

sched('a class missing its goal goes before a more important one meeting it', () => {
  const h = makeScheduler(
    [
      { name: 'gold', goal: GOAL, importance: 1 },
      { name: 'silver', goal: GOAL, importance: 2 },
    ],
    1,
  );
  history(h, 'gold', 5);
  history(h, 'silver', 200);
  h.s.evaluate();
  h.s.offer(h.idx('gold'), 'g1');
  h.s.offer(h.idx('silver'), 's1');
  assert.is(h.s.next()?.item, 's1');
});

sched('fifo mode serves in arrival order whatever the goals', () => {
  const h = makeScheduler(
    [
      { name: 'interactive', goal: GOAL, importance: 1 },
      { name: 'batch', importance: 5 },
    ],
    1,
    'fifo',
  );
  history(h, 'interactive', 100);
  h.s.evaluate();
  h.s.offer(h.idx('batch'), 'b1');
  h.s.offer(h.idx('interactive'), 'i1');
  const d = h.s.next();
  assert.is(d?.item, 'b1');
  h.s.complete(d!);
  assert.is(h.s.next()?.item, 'i1');
});

sched('a full queue refuses; a request a free server takes at once is never refused', () => {
  const h = makeScheduler([{ name: 'bulk', discretionary: true, maxQueue: 1 }], 1);
  const bulk = h.idx('bulk');
  assert.ok(h.s.offer(bulk, 'a'), 'queue empty');
  assert.ok(h.s.next());
  assert.ok(h.s.offer(bulk, 'b'), 'one waiting is allowed');
  assert.not.ok(h.s.offer(bulk, 'c'), 'the second waiting one is refused');
  const st = h.s.stats()[bulk]!;
  assert.is(st.queued, 1);
  assert.is(st.rejected, 1);
  const z = makeScheduler([{ name: 'none', maxQueue: 0 }], 1);
  assert.ok(z.s.offer(z.idx('none'), 'x'), 'maxQueue 0 still admits what an idle server runs now');
  assert.ok(z.s.next());
  assert.not.ok(z.s.offer(z.idx('none'), 'y'));
});

sched('adaptation: reservations grow with demand, a missing class takes servers from a less important one', () => {
  const h = makeScheduler(
    [
      { name: 'interactive', goal: GOAL, importance: 1 },
      { name: 'batch', goal: { percentile: 90, ms: 10000 }, importance: 3 },
    ],
    4,
  );
  const servers = () => h.s.stats().map((c) => c.servers);
  for (let i = 0; i < 4; ++i) {
    h.s.offer(h.idx('interactive'), `i${i}`);
    h.s.offer(h.idx('batch'), `b${i}`);
  }
  assert.equal(servers(), [0, 0, 0], 'nothing reserved before the first evaluation');
  h.s.evaluate();
  assert.equal(servers(), [2, 2, 0], 'unreserved servers shared in priority order');
  h.clock.t += 200; // interactive's oldest request has waited 4x its goal
  h.s.evaluate();
  assert.equal(servers(), [3, 1, 0]);
  h.s.evaluate();
  assert.equal(servers(), [4, 0, 0]);
  h.s.evaluate();
  assert.equal(servers(), [4, 0, 0], 'maxServers (all four) reached');
});

sched('adaptation: a class well within its goal lends one of its servers to unmet demand elsewhere', () => {
  const h = makeScheduler(
    [
      { name: 'interactive', goal: GOAL, importance: 1 },
      { name: 'batch', discretionary: true, importance: 5 },
    ],
    3,
  );
  history(h, 'interactive', 5, 3); // PI 0.1: comfortably within the goal
  for (let i = 0; i < 3; ++i) h.s.offer(h.idx('interactive'), `i${i}`);
  h.s.evaluate();
  assert.equal(h.s.stats().map((c) => c.servers), [3, 0, 0]);
  const ds = [h.s.next()!, h.s.next()!, h.s.next()!];
  for (const d of ds) h.s.complete(d); // fast: still within the goal
  for (let i = 0; i < 3; ++i) h.s.offer(h.idx('interactive'), `j${i}`);
  for (let i = 0; i < 5; ++i) h.s.offer(h.idx('batch'), `b${i}`);
  h.s.evaluate();
  assert.equal(h.s.stats().map((c) => c.servers), [2, 1, 0], 'one lent to batch');
  h.s.evaluate();
  assert.equal(h.s.stats().map((c) => c.servers), [1, 2, 0]);
  h.s.evaluate();
  assert.equal(h.s.stats().map((c) => c.servers), [1, 2, 0], 'a lender keeps one server');
});

sched('adaptation: a class that used fewer servers than reserved shrinks one step per interval', () => {
  const h = makeScheduler([{ name: 'a', goal: GOAL }], 3);
  for (let i = 0; i < 3; ++i) h.s.offer(0, `a${i}`);
  h.s.evaluate();
  assert.is(h.s.stats()[0]!.servers, 3, 'unreserved servers go to the demand at once');
  const ds = [h.s.next()!, h.s.next()!, h.s.next()!];
  for (const d of ds) h.s.complete(d);
  const seen: number[] = [];
  for (let i = 0; i < 4; ++i) {
    h.s.evaluate();
    seen.push(h.s.stats()[0]!.servers);
  }
  assert.equal(seen, [3, 2, 1, 0]);
});

sched('adaptation: a class missing its goal keeps its reservation through an idle interval', () => {
  const h = makeScheduler([{ name: 'interactive', goal: GOAL, importance: 1 }, { name: 'batch', discretionary: true }], 2);
  history(h, 'interactive', 300); // p90 300 ms: missing
  h.s.offer(h.idx('interactive'), 'i');
  h.s.evaluate();
  assert.is(h.s.stats()[0]!.servers, 1);
  h.s.complete(h.s.next()!);
  h.s.evaluate();
  h.s.evaluate(); // no interactive demand for a whole interval
  assert.is(h.s.stats()[0]!.servers, 1, 'still reserved while the window shows it missing');
  h.clock.t += 6000; // the slow samples leave the window: no longer missing
  h.s.evaluate();
  assert.is(h.s.stats()[0]!.servers, 0);
});

sched('reserved idle servers are not lent to another class; unreserved ones are', () => {
  const h = makeScheduler(
    [
      { name: 'interactive', goal: GOAL, importance: 1 },
      { name: 'batch', importance: 4 },
    ],
    2,
  );
  h.s.offer(h.idx('interactive'), 'i0');
  h.s.offer(h.idx('batch'), 'b0');
  h.s.evaluate(); // one server each
  const i0 = h.s.next()!;
  const b0 = h.s.next()!;
  assert.equal([i0.item, b0.item], ['i0', 'b0']);
  h.s.complete(i0);
  for (let i = 1; i <= 3; ++i) h.s.offer(h.idx('batch'), `b${i}`);
  assert.is(h.s.next(), null, "the free server is interactive's reservation");
  h.s.offer(h.idx('interactive'), 'i1');
  assert.is(h.s.next()?.item, 'i1');
  // Light load: with nothing reserved, one class may use every server.
  const light = makeScheduler([{ name: 'interactive', goal: GOAL, importance: 1 }, { name: 'batch' }], 2);
  light.s.offer(light.idx('batch'), 'x');
  light.s.offer(light.idx('batch'), 'y');
  assert.is(light.s.next()?.item, 'x');
  assert.is(light.s.next()?.item, 'y');
});

// ---- queue servers over real sockets ----

const servers = suite('service classes: queue servers');
let S: Running;
let tmp: string;

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(p: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port: S.port, host: '127.0.0.1', path: p, method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

servers.before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'brigade-classes-'));
  S = await start(
    (s) => {
      s.get('/main', (_q, r) => r.end(`main ${threadId}`));
    },
    {
      app: APP,
      queueServers: { max: 2 },
      classes: [
        { name: 'bulk', match: { pathPrefix: '/bulk/' }, discretionary: true, maxQueue: 1, maxServers: 1 },
        { name: 'writes', match: { method: ['POST', 'PUT'] } },
        { name: 'api', match: { pathPrefix: '/api/' }, goal: { percentile: 90, ms: 800 }, importance: 1 },
        { name: 'tenant', match: { host: 'tenant.example' } },
        { name: 'beta', match: { header: { name: 'x-beta', value: '1' } } },
      ],
    },
  );
});

servers.after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

servers('routes on the main thread stay there; the rest runs on a queue server thread', async () => {
  const m = await send('/main');
  assert.is(m.body, `main ${threadId}`);
  const r = await send('/api/who?x=1');
  assert.is(r.status, 200);
  const j = JSON.parse(r.body) as { threadId: number; className: string; path: string; query: string };
  assert.is.not(j.threadId, threadId);
  assert.ok(S.server.serviceClasses!.threadIds().includes(j.threadId));
  assert.equal([j.className, j.path, j.query], ['api', '/api/who', '?x=1']);
});

servers('classification over the wire: method, prefix, host, header, default', async () => {
  const cls = async (p: string, o: Parameters<typeof send>[1] = {}): Promise<string> => {
    const r = await send(p, o);
    return r.headers['x-class'] === undefined ? (JSON.parse(r.body) as { className: string }).className : String(r.headers['x-class']);
  };
  assert.is(await cls('/echo', { method: 'POST', body: 'x' }), 'writes');
  assert.is(await cls('/api/a'), 'api');
  assert.is(await cls('/x', { headers: { host: 'TENANT.example:9' } }), 'tenant');
  assert.is(await cls('/x', { headers: { 'x-beta': '1' } }), 'beta');
  assert.is(await cls('/x', { headers: { 'x-beta': '0' } }), 'default');
  const stats = S.server.classStats();
  assert.equal(stats.map((c) => c.name), ['bulk', 'writes', 'api', 'tenant', 'beta', 'default']);
  assert.is(S.server.serviceClasses!.classifiedInJs, 0, 'all decided by the native classifier');
  // Repeated fields are joined before comparing: the native side leaves that to TypeScript.
  const rawReq = 'GET /x HTTP/1.1\r\nHost: t\r\nx-beta: 1\r\nX-Beta: 1\r\nConnection: close\r\n\r\n';
  const c = await RawClient.open(S.port);
  try {
    await c.write(rawReq);
    const res = await c.response({ timeout: 5000 });
    assert.is((JSON.parse(res.body.toString()) as { className: string }).className, 'default');
  } finally {
    c.destroy();
  }
  assert.is(S.server.serviceClasses!.classifiedInJs, 1);
  assert.ok(stats.find((c) => c.name === 'default')!.completed >= 1);
});

servers('request body, headers and method cross to the worker; status, headers and body come back', async () => {
  const r = await send('/echo', { method: 'PUT', body: 'payload-é', headers: { 'x-test': 'v1', 'content-type': 'text/plain' } });
  assert.is(r.status, 201);
  assert.is(r.body, 'PUT payload-é v1');
  assert.is(r.headers['content-type'], 'text/plain');
  assert.is(r.headers['content-length'], String(Buffer.byteLength(r.body)));
});

servers('a bytes body the app reuses survives every response; repeated Set-Cookie fields cross', async () => {
  for (let i = 0; i < 3; ++i) {
    const r = await send('/bytes');
    assert.is(r.body, 'shared bytes');
    assert.equal(r.headers['set-cookie'], ['a=1', 'b=2']);
  }
});

servers('a full discretionary queue answers 503 with Retry-After; the admitted requests complete', async () => {
  const file = path.join(tmp, 'release');
  const stat = () => S.server.classStats().find((c) => c.name === 'bulk')!;
  const first = send(`/bulk/block?file=${encodeURIComponent(file)}`);
  await waitUntil(() => stat().running === 1, 5000, () => JSON.stringify(stat()));
  const second = send(`/bulk/block?file=${encodeURIComponent(file)}`);
  await waitUntil(() => stat().queued === 1, 5000, () => JSON.stringify(stat()));
  const refused = await send('/bulk/other');
  assert.is(refused.status, 503);
  assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After: ${String(refused.headers['retry-after'])}`);
  assert.is(stat().rejected, 1);
  // Other classes still have a server: maxServers keeps bulk on one.
  assert.is((await send('/api/during')).status, 200);
  writeFileSync(file, '');
  assert.equal([(await first).status, (await second).status], [200, 200]);
});

servers('a handler that throws answers 500 and its worker keeps serving', async () => {
  const before = S.server.serviceClasses!.threadIds().sort();
  await capturingWarnings(/handler failed on purpose/, async (seen) => {
    const r = await send('/throw');
    assert.is(r.status, 500);
    assert.is(seen.length, 1);
  });
  assert.equal(S.server.serviceClasses!.threadIds().sort(), before);
});

servers('a worker that dies answers 500 and is replaced by a fresh thread', async () => {
  const sc = S.server.serviceClasses!;
  const before = sc.threadIds();
  await capturingWarnings(/crashed on purpose|exited/, async () => {
    const r = await send('/crash');
    assert.is(r.status, 500);
  });
  await waitUntil(() => sc.liveWorkers === 2 && sc.threadIds().length === 2 && sc.threadIds().some((id) => !before.includes(id)), 10000, () => JSON.stringify(sc.threadIds()));
  const after = sc.threadIds();
  assert.is(after.filter((id) => before.includes(id)).length, 1, 'exactly one worker was replaced');
  // Both servers answer again (the replacement included, once it is ready).
  const seen = new Set<number>();
  for (let i = 0; i < 20 && seen.size < 2; ++i) {
    const a = send('/api/a');
    const b = send('/api/b');
    for (const r of await Promise.all([a, b])) seen.add((JSON.parse(r.body) as { threadId: number }).threadId);
  }
  for (const id of seen) assert.ok(after.includes(id), `served by a live worker ${id}`);
});

// ---- lifecycle ----

const life = suite('service classes: lifecycle');

life('close() terminates every queue server', async () => {
  const r = await start(() => {}, { app: APP, queueServers: { max: 3 } });
  const sc = r.server.serviceClasses!;
  assert.is(sc.liveWorkers, 3);
  const got = await fetch(`${r.base}/x`);
  assert.is(got.status, 200);
  await stop(r.server);
  assert.is(sc.liveWorkers, 0);
  assert.equal(sc.threadIds(), []);
});

life('close() with a request still running on a queue server ends without a handler failure', async () => {
  const r = await start(() => {}, { app: APP, queueServers: { max: 1 } });
  const sc = r.server.serviceClasses!;
  const dir = mkdtempSync(path.join(tmpdir(), 'brigade-classes-'));
  try {
    const pending = fetch(`${r.base}/block?file=${encodeURIComponent(path.join(dir, 'never'))}`).then(
      (x) => x.status,
      () => 'reset',
    );
    await waitUntil(() => r.server.classStats().some((c) => c.running === 1), 5000);
    await capturingWarnings(/handler failed|closing/, async (seen) => {
      await stop(r.server, 200);
      assert.equal(seen, []);
    });
    assert.is(sc.liveWorkers, 0);
    assert.is(await pending, 'reset', 'the connection was aborted at the close timeout');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

life('an app module without a fetch handler makes listen() fail', async () => {
  const s = createServer({ port: 0, app: 'data:text/javascript,export const nothing = 1', queueServers: { max: 1 } });
  try {
    await s.listen();
    assert.unreachable('listen should fail');
  } catch (err) {
    assert.match((err as Error).message, /no fetch handler/);
  }
  await s.close();
});

life('a listen() that fails (port in use) terminates the queue servers it started', async () => {
  const taken = await start(() => {});
  const s = createServer({ port: taken.port, app: APP, queueServers: { max: 2 } });
  try {
    await s.listen();
    assert.unreachable('listen should fail');
  } catch (err) {
    assert.match((err as Error).message, /EADDRINUSE|in use|listen/i);
  }
  assert.is(s.serviceClasses!.liveWorkers, 0);
  await stop(taken.server);
});

life('without options.app nothing of this exists', async () => {
  const r = await start((s) => s.get('/', (_q, res) => res.end('ok')));
  assert.is(r.server.serviceClasses, null);
  assert.equal(r.server.classStats(), []);
  await stop(r.server);
});

// ---- the example app ----

const example = suite('service classes: example');

example('examples/service-classes answers in its three classes and shows /classes', async () => {
  const { exampleServer } = (await import('../examples/service-classes/server.mjs')) as {
    exampleServer: (create: typeof createServer) => ReturnType<typeof createServer>;
  };
  const server = exampleServer(createServer);
  const { port } = await server.listen();
  try {
    const base = `http://127.0.0.1:${port}`;
    const api = (await (await fetch(`${base}/api/quote`)).json()) as { class: string; thread: number };
    const report = (await (await fetch(`${base}/report/q3?ms=5`)).json()) as { class: string };
    const other = await (await fetch(`${base}/other`)).text();
    assert.is(api.class, 'interactive');
    assert.is.not(api.thread, threadId);
    assert.is(report.class, 'reports');
    assert.match(other, /class default/);
    const stats = (await (await fetch(`${base}/classes`)).json()) as { name: string; completed: number }[];
    assert.equal(stats.map((c) => [c.name, c.completed]), [['interactive', 1], ['reports', 1], ['default', 1]]);
  } finally {
    await server.close({ timeout: 2000 });
  }
});

options.run();
classify.run();
sched.run();
servers.run();
life.run();
example.run();
