// The plan of a bench invocation: which contender runs which workload (or why
// it does not: N/A, SKIPPED), and how many seconds each step should take —
// the basis of the progress line's percentage and ETA.

const START_S = 1.5; // starting a server and waiting for it
const CHECK_S = 0.3; // correctness check, spawning wrk, reading /proc

export function wrkCellS(opts) {
  return CHECK_S + (opts.warmup ? opts.warmup + CHECK_S : 0) + opts.runs * (opts.duration + CHECK_S);
}

export function slowPointS(opts, first) {
  return 3 + (first && opts.warmup ? opts.warmup + CHECK_S : 0) + opts.slowRuns * (opts.duration + CHECK_S);
}

export function idleCellS(opts) {
  return START_S + 3 + Math.min(opts.idleConns / 2000, 8);
}

/** [{ contender, cells: [{ workload, target | na }], estimateS }] and the total. */
export function makePlan(contenders, workloads, docroot, opts) {
  const rows = contenders.map((c) => {
    let estimateS = c.skip ? 0 : START_S;
    const cells = workloads.map((w) => {
      if (c.skip) return { workload: w, skip: c.skip };
      if (c.caps.only && !c.caps.only.includes(w.name)) return { workload: w, na: `runs ${c.caps.only.join(', ')} only` };
      const t = w.target(c, docroot);
      if (t.na) return { workload: w, na: t.na };
      // HTTPS contenders: the check and the load generator use https:// URLs.
      if (c.caps.tls) t.scheme = 'https';
      if (w.kind === 'wrk') estimateS += wrkCellS(opts);
      else if (w.kind === 'slow') opts.slowReaders.forEach((n, i) => (estimateS += slowPointS(opts, i === 0)));
      else if (w.kind === 'idle') estimateS += idleCellS(opts);
      return { workload: w, target: t };
    });
    return { contender: c, cells, estimateS };
  });
  return { rows, totalS: rows.reduce((s, r) => s + r.estimateS, 0) };
}
