// The servers under test: which script each one runs, starting it pinned,
// waiting for its READY line, checking its answers, and stopping it by pid.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './pinning.js';
import { descendants } from './proc-cpu.js';
import { track, untrack } from './cleanup.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Ratios are printed as "<contender> vs <BASELINE>".
export const BASELINE = 'node-http';

export const CONTENDERS = [
  { name: 'brigade', script: 'bench/servers/brigade-hello.js', overrideEnv: 'BENCH_BRIGADE_SERVER' },
  { name: 'node-http', script: 'bench/servers/node-hello.js', overrideEnv: 'BENCH_NODE_HTTP_SERVER' },
];

export function selectContenders(names) {
  if (!names) return CONTENDERS;
  const unknown = names.filter((n) => !CONTENDERS.some((c) => c.name === n));
  if (unknown.length) {
    throw new Error(`unknown contender(s): ${unknown.join(', ')} (known: ${CONTENDERS.map((c) => c.name).join(', ')})`);
  }
  return CONTENDERS.filter((c) => names.includes(c.name));
}

/** Absolute path of the script a contender runs (an env override wins, relative to the cwd). */
export function scriptFor(contender) {
  const override = process.env[contender.overrideEnv];
  if (override) return path.resolve(process.cwd(), override);
  return path.join(REPO_ROOT, contender.script);
}

const TAIL_BYTES = 4096;

/**
 * Starts the contender's server pinned to `cpus` and resolves once it printed
 * "READY <port>". Rejects (after killing it) if it exits first or times out.
 */
export function startServer(contender, { cpus, readyTimeoutMs = 20000 }) {
  const script = scriptFor(contender);
  if (!existsSync(script)) return Promise.reject(new Error(`server script not found: ${script}`));
  const [cmd, args, pinned] = pinnedCommand(cpus, process.execPath, [script]);
  const child = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child, contender.name);
  const handle = { contender: contender.name, script, pid: child.pid, child, pinned, port: null, output: '', exit: null };
  const keep = (d) => {
    // Keep draining both pipes for the server's whole life (a full pipe would
    // block it) but remember only the tail, for error messages.
    handle.output = (handle.output + d).slice(-TAIL_BYTES);
  };
  child.stderr.setEncoding('utf8').on('data', keep);
  child.once('exit', (code, signal) => (handle.exit = { code, signal }));

  return new Promise((resolve, reject) => {
    let lineBuf = '';
    const timer = setTimeout(() => fail(new Error(`no READY line within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    const onExit = (code, signal) => fail(new Error(`exited before READY (code ${code}, signal ${signal})`));
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      err.message += handle.output.trim() ? `\n--- server output (tail) ---\n${handle.output.trim()}` : '';
      stopServer(handle).finally(() => reject(err));
    };
    child.once('exit', onExit);
    child.once('error', (err) => fail(err));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      keep(d);
      if (handle.port !== null) return;
      lineBuf += d;
      const m = /^READY (\d+)\s*$/m.exec(lineBuf);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        handle.port = Number(m[1]);
        resolve(handle);
      }
    });
  });
}

export function isAlive(handle) {
  return handle.exit === null;
}

/** SIGTERM to the server and its descendants, SIGKILL after graceMs. */
export async function stopServer(handle, graceMs = 3000) {
  if (handle.exit !== null || !handle.pid) {
    if (handle.pid) untrack(handle.pid);
    return;
  }
  const signalAll = (sig) => {
    for (const p of [handle.pid, ...descendants(handle.pid)]) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  const exited = new Promise((res) => handle.child.once('exit', res));
  signalAll('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), delay(graceMs).then(() => true)]);
  if (timedOut) {
    signalAll('SIGKILL');
    await Promise.race([exited, delay(graceMs)]);
  }
  untrack(handle.pid);
}

function delay(ms) {
  return new Promise((res) => setTimeout(res, ms).unref());
}

/** One real GET; resolves { status, headers, body } or rejects. */
function get(port, urlPath, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      // agent:false: a one-off connection, closed afterwards, so no socket stays open into the measurement.
      { host: '127.0.0.1', port, path: urlPath, method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Checks that the server answers `workload` correctly: status 200 and the
 * exact body. Returns { ok, problem, warning } (a wrong Content-Type is only a warning).
 */
export async function checkAnswer(handle, workload, timeoutMs = 5000) {
  let res;
  try {
    res = await get(handle.port, workload.path, timeoutMs);
  } catch (err) {
    return { ok: false, problem: `GET ${workload.path}: ${err.message}`, warning: null };
  }
  if (res.status !== 200) {
    return { ok: false, problem: `GET ${workload.path}: status ${res.status}, expected 200`, warning: null };
  }
  if (res.body !== workload.body) {
    return {
      ok: false,
      problem: `GET ${workload.path}: body ${JSON.stringify(res.body.slice(0, 200))}, expected ${JSON.stringify(workload.body)}`,
      warning: null,
    };
  }
  const type = res.headers['content-type'] ?? '';
  const warning = type.startsWith(workload.contentType)
    ? null
    : `GET ${workload.path}: Content-Type ${JSON.stringify(type)}, expected ${workload.contentType}`;
  return { ok: true, problem: null, warning };
}
