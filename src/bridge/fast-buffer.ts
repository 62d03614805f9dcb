// Node's Buffer has undocumented-but-stable fast paths (used by node:http
// itself) that skip argument normalisation; they are typed here once.
export interface FastBuffer extends Buffer {
  latin1Write(s: string, offset: number, length: number): number;
  utf8Write(s: string, offset: number, length: number): number;
  latin1Slice(start: number, end: number): string;
}

export function fast(b: Buffer): FastBuffer {
  return b as FastBuffer;
}
