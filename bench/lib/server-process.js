// Running one contender's server: spawn it pinned and in its own process
// group, wait until it is ready (a "READY <port>" line, or the port accepting
// connections for servers that print nothing), and stop it by pid: SIGTERM,
// SIGKILL after a grace period, then make sure nothing of it survives (its
// process group, its descendants, the pid in its pid file).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { pinnedCommand } from './pinning.js';
import { descendants, readStat } from './proc-cpu.js';
import { track, untrack } from './cleanup.js';

const TAIL_BYTES = 4096;

/** A port that was free a moment ago (for servers that need the port in their config). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const delay = (ms) => new Promise((res) => setTimeout(res, ms).unref());

/**
 * Starts `launch` ({ command, args, env, cwd, ready: 'line'|'port', port, pidFile })
 * pinned to `cpus` and resolves the handle once it is ready. Rejects (after
 * stopping it) if it exits first or is not ready within readyTimeoutMs.
 */
export function startProcess(name, launch, { cpus, readyTimeoutMs = 20000 }) {
  const [cmd, args, pinned] = pinnedCommand(cpus, launch.command, launch.args);
  const child = spawn(cmd, args, {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group (pgid = pid): every process the server forks can be
    // found and killed as a group, whatever it did with its parent links.
    detached: true,
  });
  track(child, name, { group: true });
  const handle = {
    contender: name, pid: child.pid, child, pinned, port: launch.port ?? null,
    pidFile: launch.pidFile ?? null, comm: path.basename(launch.command).slice(0, 15), output: '', exit: null,
  };
  const keep = (d) => {
    // Keep draining both pipes for the server's whole life (a full pipe would
    // block it) but remember only the tail, for error messages.
    handle.output = (handle.output + d).slice(-TAIL_BYTES);
  };
  child.stderr.setEncoding('utf8').on('data', keep);
  child.once('exit', (code, signal) => (handle.exit = { code, signal }));

  return new Promise((resolve, reject) => {
    let settled = false;
    const started = Date.now();
    const timer = setTimeout(() => fail(new Error(`not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    const onExit = (code, signal) => fail(new Error(`exited before it was ready (code ${code}, signal ${signal})`));
    const fail = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      err.message += handle.output.trim() ? `\n--- server output (tail) ---\n${handle.output.trim()}` : '';
      stopProcess(handle).finally(() => reject(err));
    };
    const ok = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      handle.startMs = Date.now() - started;
      resolve(handle);
    };
    child.once('exit', onExit);
    child.once('error', (err) => fail(err));
    let lineBuf = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      keep(d);
      if (launch.ready !== 'line' || handle.port !== null) return;
      lineBuf += d;
      const m = /^READY (\d+)\s*$/m.exec(lineBuf);
      if (m) {
        handle.port = Number(m[1]);
        ok();
      }
    });
    if (launch.ready === 'port') {
      (async () => {
        while (!settled) {
          if (await canConnect(handle.port)) return ok();
          await delay(50);
        }
      })();
    }
  });
}

export function isAlive(handle) {
  return handle.exit === null;
}

/** The pid in the server's pid file, if that process is alive and is the server's program. */
function pidFromFile(handle) {
  if (!handle.pidFile) return null;
  try {
    const pid = Number(readFileSync(handle.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === handle.comm ? pid : null;
  } catch {
    return null;
  }
}

/** Live pids whose process group is pgid (scans /proc). */
export function groupMembers(pgid) {
  const out = [];
  let names;
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let text;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3), rest[2] = pgrp (field 5); zombies are already dead.
    if (Number(rest[2]) === pgid && rest[0] !== 'Z') out.push(Number(name));
  }
  return out;
}

function signal(pids, sig) {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops the server: SIGTERM to its main pid (Apache's and nginx's parents stop
 * their children themselves; node's cluster primary too), SIGKILL to the whole
 * group and every descendant after graceMs, then checks that no process of the
 * group and no pid from its pid file is left. Resolves { survivors } (pids that
 * would not die; normally empty).
 */
export async function stopProcess(handle, graceMs = 3000) {
  const pid = handle.pid;
  if (!pid) return { survivors: [] };
  const filePid = pidFromFile(handle);
  if (handle.exit === null) {
    const exited = new Promise((res) => handle.child.once('exit', res));
    signal([pid], 'SIGTERM');
    await Promise.race([exited, delay(graceMs)]);
  }
  // Whatever is left of the group (children still shutting down, or everything
  // if SIGTERM was ignored) gets SIGKILL.
  for (let i = 0; i < 20; i++) {
    const left = [...new Set([...groupMembers(pid), ...descendantsSafe(pid), ...(filePid && pidFromFile(handle) ? [filePid] : [])])];
    if (left.length === 0) break;
    if (i > 0 || handle.exit === null) signal(left, 'SIGKILL');
    else signal(left, 'SIGTERM');
    await delay(100);
  }
  const survivors = [...new Set([...groupMembers(pid), ...(filePid && pidFromFile(handle) ? [filePid] : [])])];
  untrack(pid);
  return { survivors };
}

function descendantsSafe(pid) {
  try {
    return readStat(pid) ? descendants(pid) : [];
  } catch {
    return [];
  }
}
