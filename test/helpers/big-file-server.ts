// A child-process server for the bounded-memory tests: started with a small
// V8 heap (--max-old-space-size), it serves one large file with sendFile
// (FILE buckets) through the filters named on the command line, prints its
// port as a JSON line, and exits when stdin closes. The parent is the client.
//
//   node --max-old-space-size=64 --import tsx test/helpers/big-file-server.ts <file> <filters>
//
// filters: comma-separated, from "compress", "byterange", "conditional", "ssi"
// (ssi for any content type, and before compress when both are named).
import * as v8 from 'node:v8';
import { createServer, type Filter } from '../../src/index.js';

const [file, list = ''] = process.argv.slice(2);
if (!file) throw new Error('usage: big-file-server.ts <file> <filters>');
const filters = list.split(',').filter((f) => f !== '');

const server = createServer({ host: '127.0.0.1', port: 0 });
for (const f of filters) {
  let filter: Filter<never>;
  if (f === 'compress') filter = (await import('../../src/filters/compress.js')).compress({ level: 1 }) as Filter<never>;
  else if (f === 'byterange') filter = (await import('../../src/filters/byterange.js')).byterange() as Filter<never>;
  else if (f === 'conditional') filter = (await import('../../src/filters/conditional.js')).conditional() as Filter<never>;
  else if (f === 'ssi') filter = (await import('../../src/filters/ssi.js')).ssi({ types: () => true }) as Filter<never>;
  else throw new Error(`unknown filter ${f}`);
  server.filter(filter);
}
let peakHeap = 0;
let peakRss = 0;
const measure = (): void => {
  peakHeap = Math.max(peakHeap, v8.getHeapStatistics().used_heap_size);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
const sample = setInterval(measure, 10);
server.get('/big', async (_req, res) => {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  await res.sendFile(file);
});
server.get('/stats', (_req, res) => {
  measure();
  res.json({ peakHeap, peakRss, heapLimit: v8.getHeapStatistics().heap_size_limit });
});
const { port } = await server.listen();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(sample);
  void server.close({ timeout: 1000 }).then(() => process.exit(0));
});
