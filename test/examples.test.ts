// Smoke tests of examples/: each starts with its one documented command (as a
// child process, on a free port), answers what its header comment promises,
// and stops on SIGTERM. The examples import 'brigade' (the package itself,
// dist/ — built by npm test before the suite runs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const repo = fileURLToPath(new URL('..', import.meta.url));
const test = suite('examples');
const children = new Set<ChildProcess>();

test.after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Example {
  base: string;
  child: ChildProcess;
}

/** Runs `node --import tsx <file>` (what `npx tsx <file>` does) with PORT=0; resolves with the URL it prints. */
function startExample(file: string, env: NodeJS.ProcessEnv = {}): Promise<Example> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, file)], {
    cwd: repo,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${file} printed no URL in 20 s:\n${out}`)), 20_000);
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1]!, child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before listening:\n${out}`));
    });
  });
}

function stop(ex: Example): Promise<number | null> {
  return new Promise((resolve) => {
    if (ex.child.exitCode !== null) return resolve(ex.child.exitCode);
    ex.child.once('exit', (code) => resolve(code));
    ex.child.kill('SIGTERM');
  });
}

test('every example type-checks (strict, against the published declarations)', () => {
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(repo, 'examples', 'tsconfig.json')], { encoding: 'utf8', timeout: 180_000 });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
});

test('api-app: CRUD, problem+json errors, the ?pretty user filter, body limit', async () => {
  const ex = await startExample('examples/api-app/server.ts');
  try {
    const list = await fetch(`${ex.base}/api/todos`);
    assert.is(list.status, 200);
    const compact = await list.text();
    assert.not.match(compact, /\n/);
    assert.is((JSON.parse(compact) as unknown[]).length, 2);

    const pretty = await (await fetch(`${ex.base}/api/todos?pretty`)).text();
    assert.match(pretty, /^\[\n {2}\{\n {4}"id": 1,/);
    assert.equal(JSON.parse(pretty), JSON.parse(compact));

    const created = await fetch(`${ex.base}/api/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'smoke test' }),
    });
    assert.is(created.status, 201);
    assert.is(created.headers.get('location'), '/api/todos/3');
    assert.equal(await created.json(), { id: 3, title: 'smoke test', done: false });

    const bad = await fetch(`${ex.base}/api/todos`, { method: 'POST', body: '{nope' });
    assert.is(bad.status, 400);
    assert.is(bad.headers.get('content-type'), 'application/problem+json');
    const invalid = await fetch(`${ex.base}/api/todos`, { method: 'POST', body: '{"title":""}' });
    assert.is(invalid.status, 422);
    const big = await fetch(`${ex.base}/api/todos`, { method: 'POST', body: JSON.stringify({ title: 'x'.repeat(20_000) }) });
    assert.is(big.status, 413);

    assert.is((await fetch(`${ex.base}/api/todos/3`, { method: 'DELETE' })).status, 204);
    const gone = await fetch(`${ex.base}/api/todos/3?pretty`);
    assert.is(gone.status, 404);
    assert.equal(await gone.json(), { status: 404, detail: 'no todo 3' });
  } finally {
    assert.is(await stop(ex), 0);
  }
});

test('hono-app: text, JSON with params, POST echo, a streamed response', async () => {
  const ex = await startExample('examples/hono-app/server.ts');
  try {
    assert.is(await (await fetch(`${ex.base}/`)).text(), 'Hello from Hono on brigade\n');
    assert.equal(await (await fetch(`${ex.base}/hello/ada?lang=fr`)).json(), { hello: 'ada', lang: 'fr' });
    const echo = await fetch(`${ex.base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    assert.equal(await echo.json(), { a: [1, 2] });
    const clock = await fetch(`${ex.base}/clock`);
    assert.is(clock.headers.get('transfer-encoding'), 'chunked');
    const lines = (await clock.text()).trim().split('\n');
    assert.is(lines.length, 3);
    lines.forEach((l, i) => assert.match(l, new RegExp(`^tick ${i} \\d{4}-`)));
    assert.is((await fetch(`${ex.base}/missing`)).status, 404);
  } finally {
    assert.is(await stop(ex), 0);
  }
});

test.run();
