// node:http with `cluster`: one worker per server CPU (WORKERS), each running
// node-hello.js; the primary hands out connections (Node's default
// round-robin scheduling on Linux). Prints READY once every worker listens.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

const workers = Number(process.env.WORKERS ?? 1);
cluster.setupPrimary({ exec: fileURLToPath(new URL('./node-hello.js', import.meta.url)) });

let listening = 0;
let port = null;
cluster.on('listening', (worker, address) => {
  port = address.port;
  if (++listening === workers) console.log('READY ' + port);
});
cluster.on('exit', (worker, code, signal) => {
  if (!stopping) {
    console.error(`node-cluster: worker ${worker.process.pid} exited (code ${code}, signal ${signal})`);
    process.exit(1);
  }
});

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
  setTimeout(() => process.exit(0), 1500).unref();
  cluster.disconnect(() => process.exit(0));
});

// Port 0: every worker gets the same port (the primary owns the listening socket).
for (let i = 0; i < workers; i++) cluster.fork({ BENCH_CLUSTER_WORKER: '1' });
