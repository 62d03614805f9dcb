// Every child process the bench starts is registered here, so that a normal
// end, an error or Ctrl-C stops them all by pid and no server is left running.
// Servers run in their own process group: the whole group is killed too.
// Functions registered with onExit run after that (e.g. removing the temp dir).
import { descendants } from './proc-cpu.js';

const live = new Map(); // pid -> { label, group }
const exitHooks = [];

export function track(child, label, { group = false } = {}) {
  live.set(child.pid, { label, group });
  child.once('exit', () => {
    // A server's group may outlive its leader (children still exiting); keep
    // it registered until stopProcess() untracks it.
    if (!live.get(child.pid)?.group) live.delete(child.pid);
  });
}

export function untrack(pid) {
  live.delete(pid);
}

/**
 * Runs a script's async main(): its resolved number is the exit code; a throw
 * prints "<name>: <stack>" and exits with failCode. Either way every tracked
 * child is killed first.
 */
export function runMain(name, main, failCode = 1) {
  main().then(
    (code) => {
      killAllNow();
      process.exitCode = code;
    },
    (err) => {
      console.error(`${name}: ${err.stack ?? err.message}`);
      killAllNow();
      process.exitCode = failCode;
    },
  );
}

export function onExit(fn) {
  exitHooks.push(fn);
}

/** Sends SIGKILL to every tracked process, its descendants and its group (synchronous, safe in 'exit'). */
export function killAllNow() {
  for (const [pid, { group }] of [...live.entries()]) {
    let kids = [];
    try {
      kids = descendants(pid);
    } catch {
      // gone
    }
    for (const p of [pid, ...kids]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (group) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // no such group
      }
    }
    live.delete(pid);
  }
  while (exitHooks.length) {
    try {
      exitHooks.shift()();
    } catch {
      // best effort
    }
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
