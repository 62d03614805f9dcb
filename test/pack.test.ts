// Shipping, end to end: `npm run prebuild` (prebuildify) makes the prebuilt
// addon, `npm pack` makes the tarball, a fresh project installs it with
// install scripts disabled and dependencies from the npm cache, on a PATH that
// holds nothing but node, npm and npx (no cc, g++, make, python), and
// `npx brigade serve` from there serves a file byte for byte. Linux x64 only
// (the one platform prebuilds are made for here).
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Under the sanitizer run (LD_PRELOAD of libasan) the prebuild's compiler
// would run sanitized too; packaging is not what that run checks.
const supported =
  process.platform === 'linux' && process.arch === 'x64' && !(process.env['LD_PRELOAD'] ?? '').includes('asan');
const prebuildDir = path.join(repo, 'prebuilds', 'linux-x64');
// The whole test stays under this (each step gets what is left).
const BUDGET_MS = 300_000;

const test = suite('pack');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-pack-'));
const groups = new Set<number>(); // process groups started here (npx and its children)

test.after(() => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL'); // only groups this file started
    } catch {
      // gone already
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed at the deadline), collecting its output. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; deadline: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const ms = opts.deadline - Date.now();
    if (ms <= 0) {
      reject(new Error(`no time left for ${cmd} ${args.join(' ')}`));
      return;
    }
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') reject(new Error(`${cmd} ${args.join(' ')}: killed after ${ms} ms\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

function mustSucceed(r: RunResult, what: string): void {
  if (r.code !== 0) assert.unreachable(`${what} exited with ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
}

/** The environment of this process without what must not leak into children (sanitizer preloads, npm's own variables). */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|LD_PRELOAD$|ASAN_OPTIONS$|UBSAN_OPTIONS$|TSAN_OPTIONS$|BRIGADE_|NODE_OPTIONS$)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function newestNativeSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'tests' && e.name !== 'fuzz') walk(p);
      } else if (/\.(cc|h)$/.test(e.name)) {
        newest = Math.max(newest, fs.statSync(p).mtimeMs);
      }
    }
  };
  walk(path.join(repo, 'native'));
  for (const f of ['binding.gyp', 'sources.gypi']) newest = Math.max(newest, fs.statSync(path.join(repo, f)).mtimeMs);
  return newest;
}

function prebuildFresh(): boolean {
  const f = path.join(prebuildDir, 'brigade.glibc.node');
  return fs.existsSync(f) && fs.statSync(f).mtimeMs >= newestNativeSource();
}

/** Entry names of a .tgz made by npm pack (ustar, with pax long names). */
function tarEntries(file: string): string[] {
  const buf = gunzipSync(fs.readFileSync(file));
  const names: string[] = [];
  let pending: string | null = null;
  for (let off = 0; off + 512 <= buf.length; ) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, b: number): string => {
      const s = h.subarray(a, b);
      const z = s.indexOf(0);
      return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
    };
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const prefix = str(345, 500);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const data = buf.subarray(off + 512, off + 512 + size);
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      pending = m ? m[1]! : null;
    } else if (type !== 'g') {
      names.push(pending ?? name);
      pending = null;
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

function get(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on('error', reject);
  });
}

/** Live (non-zombie) processes of a process group (Linux /proc). */
function groupAlive(pgid: number): boolean {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === pgid && f[0] !== 'Z') return true;
  }
  return false;
}

/** The folder of npm's own npm-cli.js / npx-cli.js, from the npm on PATH. */
function npmBinDir(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const f = path.join(dir, 'npm');
    if (!dir || !fs.existsSync(f)) continue;
    const real = fs.realpathSync(f);
    if (fs.existsSync(path.join(path.dirname(real), 'npx-cli.js'))) return path.dirname(real);
  }
  const guess = path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'bin');
  if (fs.existsSync(path.join(guess, 'npm-cli.js'))) return guess;
  throw new Error('npm not found');
}

const maybe = supported ? test : test.skip;

maybe('prebuild, pack, install with no compiler and no install scripts, serve a file', async () => {
  const deadline = Date.now() + BUDGET_MS;
  const env = baseEnv();

  // 1. The prebuilt addon (skipped when prebuilds/ is newer than the native sources).
  if (!prebuildFresh()) {
    const penv = { ...env, JOBS: env['JOBS'] ?? 'max' };
    // prebuildify --napi targets the newest Node that node-abi knows; with the
    // running Node's own headers installed, node-gyp must use them (no download).
    const prefix = path.dirname(path.dirname(process.execPath));
    if (!process.env['npm_config_nodedir'] && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
      penv['npm_config_nodedir'] = prefix;
    }
    const r = await run('npm', ['run', 'prebuild'], { cwd: repo, env: penv, deadline });
    mustSucceed(r, 'npm run prebuild');
  }
  assert.ok(fs.existsSync(path.join(prebuildDir, 'brigade.glibc.node')), 'prebuilds/linux-x64/brigade.glibc.node exists');

  // 2. The tarball (npm pack runs prepack: the prebuild check, and prepare: tsc).
  const packDir = path.join(tmp, 'pack');
  fs.mkdirSync(packDir);
  const p = await run('npm', ['pack', '--pack-destination', packDir, '--json'], { cwd: repo, env, deadline });
  mustSucceed(p, 'npm pack');
  const tgzName = (JSON.parse(p.stdout.slice(p.stdout.indexOf('['))) as { filename: string }[])[0]!.filename;
  const tgz = path.join(packDir, path.basename(tgzName));
  const entries = tarEntries(tgz);
  assert.ok(entries.includes('package/package.json'), 'package.json packed');
  assert.ok(entries.includes('package/dist/index.js'), 'dist/ packed');
  assert.ok(entries.includes('package/dist/cli/main.js'), 'the CLI packed');
  assert.ok(entries.some((e) => /^package\/prebuilds\/linux-x64\/[^/]+\.node$/.test(e)), `a linux-x64 prebuild packed: ${entries.filter((e) => e.includes('prebuilds'))}`);
  assert.equal(entries.filter((e) => e.startsWith('package/build/')), [], 'no build/ entries');
  assert.ok(entries.includes('package/binding.gyp'), 'binding.gyp packed (compile fallback)');

  // 3. A bin folder with nothing but node, npm and npx.
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const npmBin = npmBinDir();
  fs.symlinkSync(path.join(npmBin, 'npm-cli.js'), path.join(bin, 'npm'));
  fs.symlinkSync(path.join(npmBin, 'npx-cli.js'), path.join(bin, 'npx'));
  const bare: NodeJS.ProcessEnv = {
    PATH: bin,
    HOME: process.env['HOME'] ?? os.homedir(),
    TMPDIR: os.tmpdir(),
    LANG: 'C',
    // npm exec runs bins through a shell: by absolute path, so PATH needs none.
    npm_config_script_shell: '/bin/sh',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python']) {
    assert.not.ok(fs.existsSync(path.join(bin, tool)), `${tool} on PATH`);
  }

  // 4. A fresh project installs the tarball: no install scripts, dependencies from the cache.
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  let inst = await run('npm', ['install', '--ignore-scripts', '--offline', tgz], { cwd: app, env: bare, deadline });
  if (inst.code !== 0 && /ENOTCACHED/.test(inst.stdout + inst.stderr)) {
    // A cache that lacks some dependency's metadata: allow the registry for what is missing.
    inst = await run('npm', ['install', '--ignore-scripts', '--prefer-offline', tgz], { cwd: app, env: bare, deadline });
  }
  mustSucceed(inst, 'npm install <tarball>');
  const installed = path.join(app, 'node_modules', 'brigade');
  assert.ok(fs.existsSync(path.join(installed, 'package.json')), 'brigade installed');
  assert.not.ok(fs.existsSync(path.join(installed, 'build')), 'nothing was built');

  // The loader resolves the prebuild (no build/ there).
  const which = await run(
    'node',
    ['-e', "const r=require('node-gyp-build');console.log(r.path(require('path').dirname(require.resolve('brigade/package.json'))))"],
    { cwd: app, env: bare, deadline },
  );
  mustSucceed(which, 'node-gyp-build path');
  assert.match(which.stdout.trim(), /node_modules\/brigade\/prebuilds\/linux-x64\/brigade\.glibc\.node$/);

  // 5. `npx brigade serve <dir> --port 0`, a file byte for byte, SIGTERM.
  const site = path.join(tmp, 'site');
  fs.mkdirSync(site);
  const payload = crypto.randomBytes(200_000);
  fs.writeFileSync(path.join(site, 'payload.bin'), payload);
  fs.writeFileSync(path.join(site, 'hello.txt'), 'hello from the tarball\n');
  // Its own process group: npx, the shell it runs, and brigade get the signal together.
  const child: ChildProcess = spawn('npx', ['brigade', 'serve', site, '--port', '0'], {
    cwd: app,
    env: bare,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pgid = child.pid!;
  groups.add(pgid);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 20 s\nstdout=${out}\nstderr=${err}`)), Math.min(20_000, deadline - Date.now()));
    const check = (): void => {
      const m = /at (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`npx brigade exited before listening\nstdout=${out}\nstderr=${err}`));
    });
  });
  const bin1 = await get(`${url}/payload.bin`);
  assert.is(bin1.status, 200);
  assert.ok(bin1.body.equals(payload), 'payload bytes');
  const txt = await get(`${url}/hello.txt`);
  assert.is(txt.status, 200);
  assert.is(txt.body.toString(), 'hello from the tarball\n');

  process.kill(-pgid, 'SIGTERM');
  await exited;
  const end = Date.now() + 10_000;
  while (groupAlive(pgid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(groupAlive(pgid), 'brigade exited after SIGTERM');
  groups.delete(pgid);
  assert.match(out, /brigade: shutting down/);
});

test.run();
