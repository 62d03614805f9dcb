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

function run(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 5000, ...(cwd === undefined ? {} : { cwd }) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Starts `brigade serve` and resolves with the URL it prints.
function start(args: string[], cwd?: string): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
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

function fetchText(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
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

async function stopChild(s: Running): Promise<void> {
  s.child.kill('SIGTERM');
  await within(s.exited, 5000, 'exit after SIGTERM');
}

// A docroot for the static option flags, and config files next to it.
const app = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-cli-app-'));
const appSite = path.join(app, 'site');
fs.mkdirSync(path.join(appSite, 'docs'), { recursive: true });
fs.writeFileSync(path.join(appSite, 'index.html'), '<p>shell</p>');
fs.writeFileSync(path.join(appSite, '404.html'), '<p>custom 404</p>');
fs.writeFileSync(path.join(appSite, 'docs', 'a<b>.txt'), 'a');
fs.writeFileSync(path.join(appSite, '.secret'), 'hidden');

cmd('--listing --spa --404 --dotfiles: listings, SPA routes, the 404 page, 403 for dotfiles', async () => {
  const s = await start(['serve', appSite, '--port', '0', '--listing', '--spa', '--404', '404.html', '--dotfiles', 'deny']);
  const listing = await fetchText(new URL('docs/', s.url).href);
  assert.is(listing.status, 200);
  assert.ok(listing.body.includes('a&lt;b&gt;.txt'), listing.body);
  const route = await fetchText(new URL('users/42', s.url).href);
  assert.is(route.status, 200);
  assert.is(route.body, '<p>shell</p>');
  const asset = await fetchText(new URL('missing.js', s.url).href);
  assert.is(asset.status, 404);
  assert.is(asset.body, '<p>custom 404</p>');
  assert.is((await fetchText(new URL('.secret', s.url).href)).status, 403);
  await stopChild(s);
});

cmd('--config FILE: settings from JSON, relative to the file; flags override it', async () => {
  const conf = path.join(app, 'conf.json');
  fs.writeFileSync(conf, JSON.stringify({ dir: 'site', port: 0, listing: true, dotfiles: 'allow', cache: '1h' }));
  const s = await start(['serve', '--config', conf, '--dotfiles', 'ignore']);
  assert.is((await fetchText(new URL('docs/', s.url).href)).status, 200, 'listing from the file');
  assert.is((await fetchText(new URL('.secret', s.url).href)).status, 404, 'the flag beat the file');
  assert.is((await fetchText(new URL('index.html', s.url).href)).headers['cache-control'], 'public, max-age=3600');
  await stopChild(s);
});

cmd('brigade.config.mjs in the current directory: found, its setup adds a route', async () => {
  const dir = fs.mkdtempSync(path.join(app, 'cwd-'));
  fs.writeFileSync(
    path.join(dir, 'brigade.config.mjs'),
    `export default { dir: ${JSON.stringify(appSite)}, port: 0, setup(server) { server.get('/from-setup', (req, res) => res.end('set up')); } };\n`,
  );
  const s = await start(['serve'], dir);
  assert.is((await fetchText(new URL('from-setup', s.url).href)).body, 'set up');
  assert.is((await fetchText(s.url)).body, '<p>shell</p>');
  await stopChild(s);
});

cmd('brigade.config.ts loads under plain node (through tsx)', async () => {
  const dir = fs.mkdtempSync(path.join(app, 'ts-'));
  fs.writeFileSync(
    path.join(dir, 'brigade.config.ts'),
    `const port: number = 0;\nexport default { dir: ${JSON.stringify(appSite)}, port, spa: true as const };\n`,
  );
  const s = await start(['serve'], dir);
  assert.is((await fetchText(new URL('some/route', s.url).href)).body, '<p>shell</p>');
  await stopChild(s);
});

cmd('config errors exit 2 naming the key; bad static values exit 2', () => {
  const unknown = path.join(app, 'unknown.json');
  fs.writeFileSync(unknown, JSON.stringify({ port: 0, colour: 'red' }));
  const u = run(['serve', '--config', unknown]);
  assert.is(u.status, 2);
  assert.match(u.stderr, /unknown key "colour"/);
  const typed = path.join(app, 'typed.json');
  fs.writeFileSync(typed, JSON.stringify({ port: '80' }));
  const t = run(['serve', '--config', typed]);
  assert.is(t.status, 2);
  assert.match(t.stderr, /"port" must be an integer/);
  const missing = run(['serve', '--config', path.join(app, 'nope.json')]);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /config file not found/);
  const backlog = path.join(app, 'backlog.json');
  fs.writeFileSync(backlog, JSON.stringify({ port: 0, server: { backlog: 0 } }));
  const b = run(['serve', appSite, '--config', backlog]);
  assert.is(b.status, 2, 'createServer refuses a bad "server" value');
  assert.match(b.stderr, /^brigade: option backlog must be/);
  const outside = run(['serve', appSite, '--port', '0', '--404', '../x.html']);
  assert.is(outside.status, 2);
  assert.match(outside.stderr, /notFound must name a file below the root/);
  const two = fs.mkdtempSync(path.join(app, 'two-'));
  fs.writeFileSync(path.join(two, 'brigade.config.json'), '{}');
  fs.writeFileSync(path.join(two, 'brigade.config.mjs'), 'export default {}');
  const several = run(['serve', appSite], two);
  assert.is(several.status, 2);
  assert.match(several.stderr, /several config files/);
});

cmd.after(() => fs.rmSync(app, { recursive: true, force: true }));


cmd('serve --status --access-log: live status JSON, metrics, a log that survives SIGHUP and is flushed on exit', async () => {
  const log = path.join(site, '..', `brigade-cli-${process.pid}.log`);
  fs.rmSync(log, { force: true });
  const s = await start(['serve', site, '--port', '0', '--status', '--access-log', log, '--access-log-format', 'combined']);
  try {
    const st = await within(fetchText(new URL('server-status?json', s.url).href), 5000, 'status json');
    assert.is(st.status, 200);
    const snap = JSON.parse(st.body) as { version: string; classes: unknown[] };
    assert.is(snap.version, pkg.version);
    assert.equal(snap.classes, []);
    const m = await within(fetchText(new URL('metrics', s.url).href), 5000, 'metrics');
    assert.match(m.body, /^# HELP brigade_build_info/);
    assert.match(s.stdout(), /status at http:\/\/\S+\/server-status/);
    // SIGHUP reopens the log; it must not end the process.
    s.child.kill('SIGHUP');
    assert.is((await within(fetchText(new URL('hello.txt', s.url).href), 5000, 'after SIGHUP')).status, 200);
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.is((await within(s.exited, 5000, 'exit after SIGTERM')).code, 0);
  const lines = fs.readFileSync(log, 'latin1').trim().split('\n');
  fs.rmSync(log, { force: true });
  assert.is(lines.length, 3);
  assert.match(lines[2]!, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 19 "-" "-"$/);
});

cmd.run();
