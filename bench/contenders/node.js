// node:http, as one process (node-http, the baseline of the ratio lines) and
// with `cluster`, one worker per server CPU (node-cluster).
import { REPO_ROOT, scriptPath } from './paths.js';

const caps = {
  handlers: true,
  static: true,
  ssi: 'Node.js has no server-side includes',
  plaintext: { path: '/plaintext', label: '/plaintext (handler)' },
};

export function nodeContenders() {
  return [
    {
      name: 'node-http',
      family: 'node',
      caps,
      overrideEnv: 'BENCH_NODE_HTTP_SERVER',
      describe: () => 'node:http, one process (bench/servers/node-hello.js); files by fs.createReadStream().pipe(res)',
      prepare: () => null,
      launch(ctx) {
        const script = scriptPath('bench/servers/node-hello.js', 'BENCH_NODE_HTTP_SERVER');
        return { command: process.execPath, args: [script], env: { PORT: '0', DOCROOT: ctx.docroot }, cwd: REPO_ROOT, ready: 'line', script };
      },
      version: () => `node ${process.version}`,
    },
    {
      name: 'node-cluster',
      family: 'node',
      caps,
      describe: (ctx) => `node:http with cluster, ${ctx.serverCpuCount} worker(s) (bench/servers/node-cluster.js)`,
      prepare: () => null,
      launch(ctx) {
        const script = scriptPath('bench/servers/node-cluster.js');
        return {
          command: process.execPath,
          args: [script],
          env: { PORT: '0', DOCROOT: ctx.docroot, WORKERS: String(ctx.serverCpuCount) },
          cwd: REPO_ROOT,
          ready: 'line',
          script,
        };
      },
      version: () => `node ${process.version}`,
    },
  ];
}
