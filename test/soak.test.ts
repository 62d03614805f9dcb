// The soak script in quick mode (~20 s of mixed load, abuse and SIGHUP
// reloads): the server must not crash and its descriptor count must come back
// to where it was once the load stopped. Flatness over time is the full
// soak's job (`npm run soak`), not this test's.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { haveProcFd } from './support/proc.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const test = suite('soak (quick)');

test('20 s of mixed load with reloads: no crash, no fd leak, no unexpected answer', async () => {
  if (!haveProcFd) return; // the soak reads /proc/PID/fd
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-soak-test-')), 'soak.json');
  const child = spawn(process.execPath, [path.join(repo, 'scripts', 'soak.mjs'), '--quick', '--json', json], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  assert.is(code, 0, out);
  const report = JSON.parse(fs.readFileSync(json, 'utf8')) as {
    failures: string[];
    fdsAfter: number;
    baseline: { fds: number };
    samples: { generation: number }[];
    outcomes: Record<string, number>;
  };
  assert.equal(report.failures, []);
  assert.ok(report.fdsAfter <= report.baseline.fds + 2, `fds ${report.fdsAfter} after, ${report.baseline.fds} before`);
  // The reloads happened, and the abusive clients really ran.
  assert.ok(Math.max(...report.samples.map((s) => s.generation)) >= 3, out);
  for (const kind of ['body 413', 'hang 503', 'throw 500', 'reject 500', 'range 206', 'half-close answered']) {
    assert.ok((report.outcomes[kind] ?? 0) > 0, `no "${kind}" outcome: ${out}`);
  }
  fs.rmSync(path.dirname(json), { recursive: true, force: true });
});

test.run();
