// `npm run conformance:framing` inside npm test: raw-byte smuggling, framing,
// traversal, range and slowloris cases against brigade, nginx and Apache
// (mpm_event) on one docroot. It must pass: brigade nowhere laxer than both
// others without a reason in conformance/framing/known-differences.json, no
// smuggled request answered that another server refused, and at least as many
// cases handled correctly as each of them. Skipped (with a message) only when
// /usr/sbin/nginx or /usr/sbin/apache2 is missing; .ci/run installs both.
// Also the judge's own failure paths, so a broken judge cannot pass everything.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: plain JS modules of the conformance tool (no type declarations)
import { failure, verdict } from '../conformance/framing/judge.js';
// @ts-expect-error: plain JS module
import { splitResponses } from '../conformance/framing/probe.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const RUN_TIMEOUT_MS = 85_000;
const haveServers = existsSync('/usr/sbin/nginx') && existsSync('/usr/sbin/apache2');

interface Outcome {
  statuses: number[];
  finals: number[];
  closed: boolean;
  smuggled: boolean;
  leaked: boolean;
  garbage: number;
  ms: number;
  bodyBytes: number;
  responses: unknown[];
}
const out = (finals: number[], extra: Partial<Outcome> = {}): Outcome => ({
  statuses: finals,
  finals,
  closed: true,
  smuggled: false,
  leaked: false,
  garbage: 0,
  ms: 10,
  bodyBytes: 0,
  responses: [],
  ...extra,
});

const test = suite('conformance:framing (brigade vs nginx vs Apache)');

test('judge: a smuggled answer, a leak, an accepted bad request and a hang all fail', () => {
  const reject = { id: 'x', expect: 'reject', tail: 'smuggle' };
  assert.ok(failure(reject, out([200, 200], { smuggled: true })));
  assert.ok(failure(reject, out([200])));
  assert.ok(failure(reject, out([], { closed: false })));
  assert.ok(failure(reject, out([400, 200])), 'a second response after the refusal');
  assert.is(failure(reject, out([400])), null);
  assert.is(failure(reject, out([])), null, 'closed without an answer is a refusal');
  assert.ok(failure({ id: 't', expect: 'noleak' }, out([200], { leaked: true })));
  assert.ok(failure({ id: 's', expect: 'timeout' }, out([], { closed: false })));
  assert.ok(failure({ id: 's', expect: 'timeout' }, out([], { ms: 60_000 })));
  assert.ok(failure({ id: 'p', expect: 'reject', tail: 'smuggle', pre: 1 }, out([400])), 'the valid request in front must get its 200');
});

test('judge: verdicts', () => {
  const k = { id: 'x', expect: 'reject', tail: 'smuggle', category: 'te' };
  assert.is(verdict(k, { brigade: out([200]), nginx: out([400]), apache: out([400]) }).kind, 'laxer');
  assert.is(verdict(k, { brigade: out([200]), nginx: out([200]), apache: out([400]) }).kind, 'laxer-than-one');
  assert.is(verdict(k, { brigade: out([400]), nginx: out([400]), apache: out([400]) }).kind, 'equal');
  assert.is(verdict(k, { brigade: out([400]), nginx: out([501]), apache: out([400]) }).kind, 'different');
  assert.is(verdict(k, { brigade: out([400]), nginx: out([200]), apache: out([400]) }).kind, 'stricter');
  const either = { id: 'y', expect: 'either', tail: 'next', category: 'syntax' };
  // Allowed, but accepted where both others refused: laxer all the same.
  assert.is(verdict(either, { brigade: out([200, 200]), nginx: out([400]), apache: out([400]) }).kind, 'laxer');
  const smuggled = verdict(k, { brigade: out([200, 200], { smuggled: true }), nginx: out([400]), apache: out([200, 200], { smuggled: true }) });
  assert.ok(smuggled.smuggleFlag);
  const range = { id: 'r', expect: 'custom', check: () => null, category: 'range' };
  assert.is(verdict(range, { brigade: out([206]), nginx: out([200]), apache: out([200]) }).kind, 'laxer');
});

test('probe: responses are split by their own framing, interim ones kept apart', () => {
  const raw = Buffer.from(
    'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n' +
      'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    'latin1',
  );
  const s = splitResponses(raw);
  assert.equal(s.responses.map((r: { status: number }) => r.status), [100, 200, 200, 400]);
  assert.is(s.rest, 0);
  assert.is(s.truncated, false);
});

function runAudit(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'conformance', 'framing', 'run.js'), '--skip-missing'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: text });
    });
  });
}

test('npm run conformance:framing passes (brigade at least as strict as nginx and Apache)', async () => {
  if (!haveServers) {
    console.log('\n  SKIPPED conformance:framing: /usr/sbin/nginx or /usr/sbin/apache2 is missing (apt-get install nginx apache2-bin; .ci/run installs them)');
    return;
  }
  const started = Date.now();
  const r = await runAudit();
  const took = Date.now() - started;
  assert.is(r.code, 0, `conformance:framing exited ${r.code} after ${took} ms:\n${r.out.slice(-6000)}`);
  const total = /\| \*\*total\*\* \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|/.exec(r.out);
  assert.ok(total, 'no summary table in the output');
  const [, cases, brigade, nginx, apache] = total!.map(Number);
  assert.ok(cases! >= 120, `only ${cases} cases`);
  assert.ok(brigade! >= nginx! && brigade! >= apache!, `brigade ${brigade}, nginx ${nginx}, apache ${apache}`);
});

test.run();
