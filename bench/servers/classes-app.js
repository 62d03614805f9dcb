// The app module of the overload-classes workload, run on brigade's queue
// servers (worker threads): /interactive/* works INTERACTIVE_MS, /batch/*
// BATCH_MS — synchronous work that holds its queue server. BENCH_WORK=cpu burns
// CPU; BENCH_WORK=sleep blocks the thread (Atomics.wait) for that long, which
// holds the server just the same but does not depend on free CPUs (on a
// shared, busy machine "2 ms of CPU" can take far longer than 2 ms).
const INTERACTIVE_MS = Number(process.env.BENCH_INTERACTIVE_MS ?? 2);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 50);
const WORK = process.env.BENCH_WORK === 'sleep' ? 'sleep' : 'cpu';
const cell = new Int32Array(new SharedArrayBuffer(4));

function work(ms) {
  if (WORK === 'sleep') {
    Atomics.wait(cell, 0, 0, ms);
    return 0;
  }
  return burn(ms);
}

function burn(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

export default {
  fetch(request, info) {
    const { pathname } = new URL(request.url);
    work(pathname.startsWith('/batch/') ? BATCH_MS : INTERACTIVE_MS);
    return new Response(`${info.className} done\n`, { headers: { 'content-type': 'text/plain' } });
  },
};
