// Text of the peer address a request record carries (RQ_REMOTE_ADDR /
// RQ_REMOTE_FAMILY, native/conn/peer_address.h): IPv4 as a dotted quad, IPv6
// in RFC 5952 canonical form, spelled exactly as Node's `net` (libuv's
// inet_ntop) spells a socket's remoteAddress: lowercase hex, no leading zeros,
// the longest run of two or more zero groups (the first of equal runs) as
// `::`, and the IPv4-embedded forms `::a.b.c.d` / `::ffff:a.b.c.d` in mixed
// notation. v4-mapped peers never get here as IPv6: the native side unwraps
// them to family 4.

export const PEER_NONE = 0;
export const PEER_V4 = 4;
export const PEER_V6 = 6;

/** Reported for a peer that is not an IP socket (family 0). */
export const UNKNOWN_PEER = '0.0.0.0';

function dotted(b: Uint8Array, off: number): string {
  return `${b[off]!}.${b[off + 1]!}.${b[off + 2]!}.${b[off + 3]!}`;
}

export function formatPeerAddress(b: Uint8Array, off: number, family: number): string {
  if (family === PEER_V4) return dotted(b, off);
  if (family !== PEER_V6) return UNKNOWN_PEER;
  const w = new Array<number>(8);
  for (let i = 0; i < 8; ++i) w[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  // Longest run of zero groups; shorter than two is not compressed.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      ++i;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) ++j;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let s = '';
  for (let i = 0; i < 8; ++i) {
    if (i === best) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (i !== 0 && i !== best + bestLen) s += ':';
    // IPv4-compatible (::a.b.c.d) and v4-mapped (::ffff:a.b.c.d), as inet_ntop writes them.
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += dotted(b, off + 12);
      break;
    }
    s += w[i]!.toString(16);
  }
  return s;
}
