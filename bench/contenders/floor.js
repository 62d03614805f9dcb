// The syscall floor: bench/floor/floor.c, built with `cc -O2` into the run's
// temp dir (gcc is installed with apt-get when there is no cc). It answers
// every request with the same canned 13-byte response, so it only takes part
// where that is the right answer.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensurePackage } from '../lib/install.js';
import { REPO_ROOT } from './paths.js';

const ccRunnable = () => spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;

const SOURCE = path.join(REPO_ROOT, 'bench', 'floor', 'floor.c');

export function floorContenders() {
  let binary = null;
  return [
    {
      name: 'floor',
      family: 'floor',
      caps: {
        handlers: false,
        static: false,
        ssi: 'the floor only has its canned response',
        plaintext: { path: '/plaintext', label: 'any path (canned response)' },
        cannedOnly: true,
      },
      describe: () => 'syscall floor: one thread, level-triggered epoll, read + one write of canned responses (bench/floor/floor.c)',
      prepare(ctx) {
        binary = path.join(ctx.tmp, 'floor');
        const missing = ensurePackage('gcc', ccRunnable, { allowInstall: ctx.allowInstall, log: ctx.log });
        if (missing) return { skip: `cannot build the floor: no C compiler (${missing})` };
        const r = spawnSync('cc', ['-O2', '-o', binary, SOURCE], { encoding: 'utf8' });
        if (r.error) return { skip: `cannot build the floor: cc not runnable (${r.error.code ?? r.error.message})` };
        if (r.status !== 0) return { skip: `cannot build the floor: cc -O2 failed: ${r.stderr.trim().split('\n').pop()}` };
        return null;
      },
      launch: () => ({ command: binary, args: ['0'], env: {}, cwd: REPO_ROOT, ready: 'line', script: 'bench/floor/floor.c' }),
      version() {
        const r = spawnSync('cc', ['--version'], { encoding: 'utf8' });
        return `cc -O2 (${(r.stdout ?? '').split('\n')[0].trim()})`;
      },
    },
  ];
}
