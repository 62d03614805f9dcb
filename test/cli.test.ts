// The `brigade` command as users run it: the compiled dist/cli/main.js in a
// child process, a real port, a real HTTP request, a real signal.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };

const site = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-cli-'));
fs.writeFileSync(path.join(site, 'hello.txt'), 'hello from the cli\n');
fs.writeFileSync(path.join(site, 'index.html'), '<p>index</p>');

const children = new Set<ChildProcess>();

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 5000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Starts `brigade serve` and resolves with the URL it prints.
function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 5 s; stdout=${out} stderr=${err}`)), 5000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout: () => out, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening; stderr=${err}`));
    });
  });
}

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const cmd = suite('cli');

cmd.before(() => {
  assert.ok(fs.existsSync(cli), `${cli} missing: run 'npx tsc -p tsconfig.json' first`);
});

cmd.after(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(site, { recursive: true, force: true });
});

cmd('--version prints the package version', () => {
  const r = run(['--version']);
  assert.is(r.status, 0);
  assert.is(r.stdout.trim(), pkg.version);
});

cmd('--help prints usage and exits 0', () => {
  const r = run(['--help']);
  assert.is(r.status, 0);
  assert.match(r.stdout, /brigade serve \[dir\]/);
  assert.match(r.stdout, /--port/);
});

cmd('bad flags exit 2 with a message on stderr', () => {
  const r = run(['serve', site, '--port', '70000']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /--port must be an integer/);
  assert.is(run(['serve', '--nope']).status, 2);
  assert.is(run(['frobnicate']).status, 2);
});

cmd('a missing directory exits 1 with a clear error', () => {
  const r = run(['serve', path.join(site, 'no-such-dir')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /directory not found/);
  const f = run(['serve', path.join(site, 'hello.txt')]);
  assert.is(f.status, 1);
  assert.match(f.stderr, /not a directory/);
});

cmd('serve --port 0: prints the real port, serves files, drains on SIGTERM, exits 0', async () => {
  const s = await start(['serve', site, '--port', '0']);
  const url = new URL(s.url);
  assert.is(url.hostname, '127.0.0.1');
  assert.ok(Number(url.port) > 0, s.url);
  const r = await fetchText(new URL('hello.txt', s.url).href);
  assert.is(r.status, 200);
  assert.is(r.body, 'hello from the cli\n');
  assert.is((await fetchText(s.url)).body, '<p>index</p>');
  s.child.kill('SIGTERM');
  const { code } = await within(s.exited, 5000, 'exit after SIGTERM');
  assert.is(code, 0);
  assert.match(s.stdout(), /brigade: shutting down/);
});

cmd('serve --workers 3: looper workers serve the files; SIGTERM drains them all and exits 0', async () => {
  const s = await start(['serve', site, '--port', '0', '--workers', '3']);
  assert.match(s.stdout(), /3 looper workers/);
  for (let i = 0; i < 10; i++) {
    const r = await fetchText(new URL('hello.txt', s.url).href);
    assert.is(r.status, 200);
    assert.is(r.body, 'hello from the cli\n');
  }
  s.child.kill('SIGTERM');
  const { code } = await within(s.exited, 5000, 'exit after SIGTERM');
  assert.is(code, 0);
});

cmd('SIGINT also exits 0', async () => {
  const s = await start(['serve', site, '--port=0', '--host', '127.0.0.1', '--io-threads', '1']);
  s.child.kill('SIGINT');
  const { code } = await within(s.exited, 5000, 'exit after SIGINT');
  assert.is(code, 0);
});

cmd('a port already in use exits 1', async () => {
  const s = await start(['serve', site, '--port', '0']);
  const port = new URL(s.url).port;
  const r = run(['serve', site, '--port', port]);
  assert.is(r.status, 1);
  assert.ok(r.stderr.length > 0);
  s.child.kill('SIGTERM');
  await within(s.exited, 5000, 'exit after SIGTERM');
});

cmd('serve --gzip --cache 1h: compressed text, Cache-Control max-age, ranges', async () => {
  fs.writeFileSync(path.join(site, 'big.txt'), 'compress me please '.repeat(500));
  const s = await start(['serve', site, '--port', '0', '--gzip', '--cache', '1h']);
  const res = await within(
    new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get(new URL('big.txt', s.url), { agent: false, headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(parts) }));
        })
        .on('error', reject);
    }),
    5000,
    'gzip response',
  );
  assert.is(res.headers['content-encoding'], 'gzip');
  assert.is(res.headers['cache-control'], 'public, max-age=3600');
  assert.is(zlib.gunzipSync(res.body).toString(), 'compress me please '.repeat(500));
  s.child.kill('SIGTERM');
  await within(s.exited, 5000, 'exit after SIGTERM');
});

cmd.run();
