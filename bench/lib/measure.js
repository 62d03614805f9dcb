// One measured run: server and CPU counters sampled right before and right
// after the load generator, and the per-run figures derived from them.
import { treeTicks, cpuBusyTicks, clockTicks } from './proc-cpu.js';

/**
 * @param loadgen   from ensureLoadGenerator()
 * @param server    handle from startProcess()
 * @param benchCpus CPU numbers of server + client (for "other CPU")
 * @param clientPids the bench's own client processes running during the run
 *                  (slow readers): their CPU is reported apart, not as "other"
 */
export async function measureRun({ loadgen, server, url, connections, durationS, headers, timeoutS = 10, clientCpus, benchCpus, clientPids = [] }) {
  const hz = clockTicks();
  let serverBefore = null;
  let busyBefore = null;
  let clientsBefore = 0;
  let t0 = null;
  const clientTicks = () => clientPids.reduce((s, p) => s + (treeTicks(p) ?? 0), 0);
  // Sampled when the load generator reports that the load begins (right after
  // wrk is spawned; after autocannon's worker has loaded).
  const onStart = () => {
    serverBefore = treeTicks(server.pid);
    busyBefore = cpuBusyTicks(benchCpus);
    clientsBefore = clientTicks();
    t0 = process.hrtime.bigint();
  };
  const load = await loadgen.run({ url, connections, durationS, timeoutS, headers, cpus: clientCpus, onStart });
  if (t0 === null) onStart(); // the generator failed before it started: figures below come out ~0
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const serverAfter = treeTicks(server.pid);
  const busyAfter = cpuBusyTicks(benchCpus);
  const clientsCpuS = (clientTicks() - clientsBefore) / hz;

  const serverTicks = serverBefore !== null && serverAfter !== null ? serverAfter - serverBefore : null;
  const serverCpuS = serverTicks === null ? null : serverTicks / hz;
  const loadgenCpuS = load.cpuTicks / hz;
  const busyS = busyBefore !== null && busyAfter !== null ? (busyAfter - busyBefore) / hz : null;
  const requests = load.requests;
  const socketErrors = load.socketErrors ?? { connect: 0, read: 0, write: 0, timeout: 0 };

  return {
    ok: load.ok && serverTicks !== null,
    error: load.ok ? (serverTicks === null ? 'server process disappeared during the run' : null) : load.error,
    command: load.command,
    loadgenPinned: load.pinned,
    wallS,
    requests,
    rps: load.rps,
    latencyMs: load.latencyMs,
    bytesRead: load.bytesRead,
    transferPerSec: load.transferPerSec,
    socketErrors,
    socketErrorsTotal: socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
    non2xx: load.non2xx,
    serverCpuS,
    serverCpuPct: serverCpuS === null ? null : (100 * serverCpuS) / wallS,
    serverUsPerReq: serverCpuS === null || !requests ? null : (1e6 * serverCpuS) / requests,
    loadgenCpuS,
    // Relative to the load generator's own lifetime: 100 % = one core busy the whole time.
    loadgenCpuPct: (100 * loadgenCpuS) / load.wallS,
    // Busy time on the bench CPUs that is neither server nor load generator
    // (kernel threads, other processes, steal); tick sampling makes it noisy around 0.
    otherCpuPct: busyS === null || serverCpuS === null ? null : (100 * (busyS - serverCpuS - loadgenCpuS - clientsCpuS)) / wallS,
    clientsCpuPct: clientPids.length ? (100 * clientsCpuS) / wallS : null,
    loadgenCpuTicksPolled: load.cpuTicksPolled,
    rawOutput: load.rawOutput,
  };
}
