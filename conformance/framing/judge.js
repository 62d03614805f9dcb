// Whether a server handled a case correctly (see cases.js for the meaning of
// `expect`), and brigade's verdict against nginx and Apache.

/** Slowloris cases: the server must end the connection itself by then (ms). */
export const SLOW_LIMIT_MS = 7000;

/** null when the outcome is correct for the case, else why not. */
export function failure(kase, o) {
  if (o.smuggled && kase.tail === 'smuggle') return 'answered the smuggled request';
  if (o.leaked) return 'served a file outside the docroot';
  const pre = kase.pre ?? 0;
  if (pre) {
    if (o.finals[0] !== 200) return `the valid request before it got ${o.finals[0] ?? 'no answer'}`;
  }
  const finals = o.finals.slice(pre);
  const first = finals[0];
  switch (kase.expect) {
    case 'reject':
      if (first === undefined) return o.closed ? null : 'no answer and the connection stayed open';
      if (first < 400) return `accepted (${first})`;
      if (finals.length > 1) return `${finals.length} responses after the refusal`;
      return null;
    case 'accept':
      if (first === undefined) return o.closed ? 'closed without an answer' : 'no answer (hang)';
      if (first >= 300) return `refused a valid request (${first})`;
      return null;
    case 'either':
      if (first === undefined && !o.closed) return 'no answer and the connection stayed open';
      if (first !== undefined && first < 400 && o.garbage > 0) return 'bytes after the responses that are not a response';
      return null;
    case 'noleak':
      if (first === undefined && !o.closed) return 'no answer (hang)';
      return null;
    case 'timeout':
      if (!o.closed) return 'the server never ended the connection';
      if (o.ms > SLOW_LIMIT_MS) return `ended only after ${o.ms} ms`;
      return null;
    case 'custom':
      return kase.check(o);
    default:
      throw new Error(`unknown expectation ${kase.expect}`);
  }
}

/** 'refused' (first own answer ≥ 400, or closed without one) or 'accepted' (for ranges: 206 or not). */
export function disposition(kase, o) {
  const first = o.finals[kase.pre ?? 0];
  if (first === undefined) return o.closed ? 'refused' : 'open';
  // A Range is "accepted" when it is served as ranges; 200 (ignored) or 416 refuse it.
  if (kase.category === 'range') return first === 206 ? 'accepted' : 'refused';
  return first >= 400 ? 'refused' : 'accepted';
}

/** A short text for the report: statuses, then close/open. */
export function describe(o) {
  const s = o.statuses.length ? o.statuses.join(',') : '-';
  const flags = [];
  if (o.smuggled) flags.push('SMUGGLED');
  if (o.leaked) flags.push('LEAK');
  return `${s} ${o.closed ? `closed(${o.closedBy ?? 'fin'})` : 'open'}${flags.length ? ` ${flags.join(' ')}` : ''}`;
}

/**
 * brigade's verdict for one case from the three outcomes:
 *   'laxer'         brigade wrong where nginx and Apache are both right, or
 *                   brigade accepted (allowed or not) what both of them refused
 *   'laxer-than-one' brigade wrong where one of them is right
 *   'all-wrong'     all three wrong (listed, not brigade's fault alone)
 *   'stricter'      brigade right where one or both are wrong, or refused where one accepted
 *   'equal'         all right with the same disposition and statuses
 *   'different'     all right, different but allowed answers
 * plus `smuggleFlag`: brigade answered the smuggled request and another server did not.
 */
export function verdict(kase, outcomes) {
  const fail = {};
  for (const [name, o] of Object.entries(outcomes)) fail[name] = failure(kase, o);
  const b = fail.brigade;
  const others = ['nginx', 'apache'];
  const okOthers = others.filter((n) => !fail[n]);
  const smuggleFlag = kase.tail === 'smuggle' && outcomes.brigade.smuggled && others.some((n) => !outcomes[n].smuggled);
  let kind;
  if (b) kind = okOthers.length === 2 ? 'laxer' : okOthers.length === 1 ? 'laxer-than-one' : 'all-wrong';
  else if (okOthers.length < 2) kind = 'stricter';
  else {
    const disp = Object.fromEntries(Object.entries(outcomes).map(([n, o]) => [n, disposition(kase, o)]));
    // Allowed, but laxer all the same: brigade serves what both others refuse.
    if (kase.expect !== 'timeout' && disp.brigade === 'accepted' && others.every((n) => disp[n] === 'refused')) {
      return { kind: 'laxer', fail, smuggleFlag, note: 'accepted where nginx and apache both refused' };
    }
    const same = (n) => disp[n] === disp.brigade && outcomes[n].finals.join(',') === outcomes.brigade.finals.join(',');
    if (same('nginx') && same('apache')) kind = 'equal';
    else if (disp.brigade === 'refused' && others.some((n) => disp[n] === 'accepted')) kind = 'stricter';
    else kind = 'different';
  }
  return { kind, fail, smuggleFlag };
}
