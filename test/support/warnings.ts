// Collects process warnings that match a pattern while a function runs (and
// keeps them off stderr); others are emitted as usual.
export async function capturingWarnings<T>(re: RegExp, fn: (seen: string[]) => Promise<T>): Promise<T> {
  const seen: string[] = [];
  const orig = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    const msg = typeof w === 'string' ? w : w.message;
    if (re.test(msg)) {
      seen.push(msg);
      return;
    }
    (orig as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await fn(seen);
  } finally {
    process.emitWarning = orig;
  }
}
