// Every child process the bench starts is registered here, so that a normal
// end, an error or Ctrl-C stops them all by pid and no server is left running.
import { descendants } from './proc-cpu.js';

const live = new Map(); // pid -> label

export function track(child, label) {
  live.set(child.pid, label);
  child.once('exit', () => live.delete(child.pid));
}

export function untrack(pid) {
  live.delete(pid);
}

/** Sends SIGKILL to every tracked process and its descendants (synchronous, safe in 'exit'). */
export function killAllNow() {
  for (const pid of [...live.keys()]) {
    for (const p of [pid, ...descendants(pid)]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    live.delete(pid);
  }
}

let installed = false;

/** Installs handlers for Ctrl-C, SIGTERM, uncaught errors and process exit. */
export function installCleanupHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\nbench: ${sig} received, stopping servers and load generator`);
      killAllNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('uncaughtException', (err) => {
    console.error('bench: uncaught error:', err);
    killAllNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    console.error('bench: unhandled rejection:', err);
    killAllNow();
    process.exit(1);
  });
}
