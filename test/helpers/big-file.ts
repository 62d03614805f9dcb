// Helpers for the bounded-memory tests: a large generated file with its
// sha256, and a child-process server (big-file-server.ts) with a small heap.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { within } from './server.js';

/** Text that compresses, but not to nothing: pseudo-random words from a seed. */
export function wordText(bytes: number, seed = 1): string {
  const words = ['brigade', 'bucket', 'filter', 'socket', 'gzip', 'range', 'header', 'stream', 'flush', 'chain'];
  let s = '';
  let x = seed;
  while (s.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += words[x % words.length] + (x % 7 === 0 ? '\n' : ' ');
  }
  return s.slice(0, bytes);
}

/** Writes size bytes of generated, moderately compressible data (every MiB differs); returns its sha256. */
export async function generateFile(file: string, size: number): Promise<string> {
  const fd = fs.openSync(file, 'w');
  try {
    const block = Buffer.from(wordText(1024 * 1024, 11));
    for (let off = 0, i = 0; off < size; off += block.length, ++i) {
      block.write(`<${i.toString(16).padStart(8, '0')}>`, 0, 'latin1');
      fs.writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
  } finally {
    fs.closeSync(fd);
  }
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

export interface Child {
  proc: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

/** Starts big-file-server.ts with --max-old-space-size=64, serving file through the filters. */
export async function startBigFileServer(file: string, filters: string, heapMiB = 64): Promise<Child> {
  const script = path.join(import.meta.dirname, 'big-file-server.ts');
  const proc = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, '--import', 'tsx', script, file, filters], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const port = await within(
    new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
      });
      void exited.then((code) => reject(new Error(`child exited with ${code}`)));
    }),
    20000,
    'child server start',
  );
  return { proc, port, exited };
}
