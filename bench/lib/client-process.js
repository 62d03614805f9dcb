// Runs one of the bench's own Node.js clients (slow-readers.js, idle-conns.js)
// as a child process pinned to the client CPUs, and lets the caller wait for
// the lines it prints ("CONNECTED 200", "HELD {...}", "RESULT {...}").
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './pinning.js';
import { track } from './cleanup.js';

export function startClient(file, payload, { cpus }) {
  const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
  const [cmd, args, pinned] = pinnedCommand(cpus, process.execPath, [script, JSON.stringify(payload)]);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child, file);
  const lines = [];
  const waiters = [];
  let stderr = '';
  let exited = false;
  let partial = '';
  const dispatch = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      const line = lines.find((l) => l.startsWith(w.prefix) && !w.seen.has(l));
      if (line) {
        waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(line.slice(w.prefix.length).trim());
      } else if (exited) {
        waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(null);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d) => {
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      lines.push(partial.slice(0, i));
      partial = partial.slice(i + 1);
    }
    dispatch();
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const exit = new Promise((res) => child.once('close', (code) => {
    exited = true;
    dispatch();
    res(code);
  }));
  return {
    pinned,
    pid: child.pid,
    get stderr() {
      return stderr;
    },
    /** Resolves the rest of the next line starting with prefix, or null on timeout/exit. */
    waitFor(prefix, timeoutMs) {
      return new Promise((resolve) => {
        const w = { prefix, resolve, seen: new Set(lines.filter((l) => l.startsWith(prefix))), timer: null };
        w.timer = setTimeout(() => {
          const idx = waiters.indexOf(w);
          if (idx >= 0) waiters.splice(idx, 1);
          resolve(null);
        }, timeoutMs);
        waiters.push(w);
        dispatch();
      });
    },
    send(line) {
      if (!exited) child.stdin.write(`${line}\n`);
    },
    /** Closes stdin (the client's cue to finish) and waits for it to exit; SIGKILL after graceMs. */
    async close(graceMs = 5000) {
      if (!exited) child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(t);
    },
  };
}
