// Order statistics over the measured runs (medians, as the anchor protocol reports).

export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function min(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  return xs.length ? Math.min(...xs) : null;
}

export function max(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  return xs.length ? Math.max(...xs) : null;
}

export function sum(values) {
  return values.filter((v) => Number.isFinite(v)).reduce((a, b) => a + b, 0);
}
