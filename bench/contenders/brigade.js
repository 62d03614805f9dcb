// brigade in each of its MPMs, running bench/servers/brigade-hello.js (the
// public API from dist/): the hello handlers plus server.static('/', docroot).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, scriptPath } from './paths.js';

export const BRIGADE_MPMS = ['looper', 'event', 'worker', 'leader'];

/** null when brigade has an SSI filter, else why the SSI+gzip workload is N/A. */
function ssiSupport() {
  const filters = path.join(REPO_ROOT, 'src', 'filters');
  let names = [];
  try {
    names = readdirSync(filters);
  } catch {
    // no sources: judge by dist alone
  }
  const hasSource = names.some((n) => /^(ssi|includes?)\.ts$/.test(n));
  let exported = false;
  try {
    exported = /\bssi\b/.test(readFileSync(path.join(REPO_ROOT, 'dist', 'index.js'), 'utf8'));
  } catch {
    // not built; the start will fail and say so
  }
  if (hasSource && exported) return null;
  return `brigade has no SSI filter (src/filters/ has ${names.filter((n) => n.endsWith('.ts')).map((n) => n.replace(/\.ts$/, '')).join(', ') || 'nothing'}; none processes <!--#include/#echo-->)`;
}

export function brigadeContender(mpm, ssi) {
  const threaded = mpm === 'worker' || mpm === 'leader';
  return {
    name: `brigade-${mpm}`,
    family: 'brigade',
    caps: { handlers: true, static: true, ssi, plaintext: { path: '/plaintext', label: '/plaintext (handler)' } },
    overrideEnv: 'BENCH_BRIGADE_SERVER',
    describe(ctx) {
      const extra = threaded ? `, threads ${ctx.brigadeThreads}` : mpm === 'event' ? `, ioThreads ${process.env.BRIGADE_IO_THREADS ?? 1}` : '';
      return `brigade mpm ${mpm}${extra} (bench/servers/brigade-hello.js)`;
    },
    prepare() {
      if (!existsSync(path.join(REPO_ROOT, 'dist', 'index.js'))) {
        // Not a skip: brigade is what the bench is for. The start fails and says why.
        return { warning: 'dist/index.js is missing — run `npm run build` first' };
      }
      return null;
    },
    launch(ctx) {
      const env = { PORT: '0', DOCROOT: ctx.docroot, BENCH_BRIGADE_MPM: mpm };
      if (threaded) env.BENCH_BRIGADE_THREADS = String(ctx.brigadeThreads);
      const script = scriptPath('bench/servers/brigade-hello.js', 'BENCH_BRIGADE_SERVER');
      return { command: process.execPath, args: [script], env, cwd: REPO_ROOT, ready: 'line', script };
    },
    version() {
      const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
      // The commit measured (and whether the tree had changes on top of it).
      const git = (args) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
      const rev = git(['rev-parse', '--short', 'HEAD']);
      const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? '+changes' : '';
      return `brigade ${pkg.version}${rev ? ` (${rev}${dirty})` : ''}`;
    },
  };
}

export function brigadeContenders() {
  const ssi = ssiSupport();
  return BRIGADE_MPMS.map((m) => brigadeContender(m, ssi));
}
