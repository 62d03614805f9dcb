// The published declarations, as a consumer project sees them: emit the .d.ts
// files into a temp package, compile a consumer that uses the public API under
// the strictest settings (skipLibCheck off, so our .d.ts are checked too), and
// check that a consumer with a type error is rejected — so the test can fail.
// Also: no `any` in the public declarations.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const test = suite('types-consumer');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-types-'));
const pkgDir = path.join(tmp, 'node_modules', 'brigade');
const dtsDir = path.join(pkgDir, 'dist');

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runTsc(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Every .d.ts below dir. */
function declarations(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...declarations(p));
    else if (e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Source text without comments and string literals, so only type positions remain. */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '""');
}

const CONSUMER = `
import {
  createServer, compress, byterange, Brigade, HeapBucket, FileResponse,
  type Filter, type Handler, type Request, type Response, type ServerOptions,
  type StaticOptions, type FetchHandler, type ServerStats,
} from 'brigade';

const options: ServerOptions = { host: '127.0.0.1', port: 0, mpm: 'event', ioThreads: 1, limits: { maxBodyBytes: 1024 }, timeouts: { handler: 5000 } };
const server = createServer(options);

const hello: Handler = (req: Request, res: Response) => {
  const name: string | undefined = req.params['name'];
  const accept: string | undefined = req.header('accept');
  res.status(200).setHeader('Content-Type', 'text/plain').end(\`hi \${name ?? accept ?? ''}\`);
};
server.get('/hello/:name', hello);
server.post('/echo', async (req, res) => {
  const body: Uint8Array = await req.bytes();
  req.pool.cleanup(() => undefined);
  res.json({ length: body.length });
});

interface CountState { bytes: number }
const counter: Filter<CountState> = {
  name: 'count',
  type: 'content-set',
  init(ctx) { ctx.state = { bytes: 0 }; },
  filter(ctx, brigade: Brigade) {
    if (ctx.state) ctx.state.bytes += brigade.length;
    if (brigade.hasEos) ctx.response.setHeader('X-Count', String(ctx.state?.bytes ?? 0));
    return ctx.pass(brigade);
  },
};
server.filter(counter, { path: '/hello', contentTypes: ['text/'] });
server.filter(compress({ level: 6 }));
server.filter(byterange());
const staticOptions: StaticOptions = { maxAge: 60, dotfiles: 'deny', compress: true };
server.static('/files', '.', staticOptions);

const fetchHandler: FetchHandler = async (request, info) => {
  const url = new URL(request.url);
  if (url.pathname === '/file') return new FileResponse('./README.md');
  return new Response(\`\${info.remoteAddress} \${request.method}\`, { status: 200 });
};
server.fetch('/api/*', fetchHandler);

const b = Brigade.of('a', new Uint8Array([98]));
b.append(HeapBucket.fromString('c'));

async function main(): Promise<void> {
  const addr = await server.listen();
  const port: number = addr.port;
  const stats: ServerStats = server.stats();
  console.log(port, stats.requestsPending);
  await server.close({ timeout: 1000 });
}
void main();
`;

// A consumer mistake the declarations must catch.
const BROKEN = `
import { createServer } from 'brigade';
const server = createServer({ port: '8080' });
server.get('/', (req, res) => {
  res.status('200');
  res.end(req.missing);
});
`;

function writeConsumer(dir: string, source: string, lib: string[] = ['es2023', 'dom']): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2023',
        lib,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        typeRoots: [path.join(repo, 'node_modules', '@types')],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        noImplicitOverride: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['main.ts'],
    }),
  );
  fs.writeFileSync(path.join(dir, 'main.ts'), source);
}

test.before(() => {
  // The package as published: package.json (exports → dist/index.d.ts) and the declarations.
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(pkgDir, 'package.json'));
  const r = runTsc(['-p', path.join(repo, 'tsconfig.json'), '--outDir', dtsDir, '--emitDeclarationOnly'], repo);
  if (r.code !== 0) throw new Error(`emitting declarations failed:\n${r.out}`);
  // @types/node for the consumer: the package's own dependency on it is a dev one.
  fs.symlinkSync(path.join(repo, 'node_modules', '@types'), path.join(tmp, 'node_modules', '@types'));
});

test('a strict consumer project compiles against the published declarations', () => {
  const dir = path.join(tmp, 'ok');
  writeConsumer(dir, CONSUMER);
  fs.symlinkSync(path.join(tmp, 'node_modules'), path.join(dir, 'node_modules'));
  const r = runTsc(['-p', 'tsconfig.json'], dir);
  assert.is(r.code, 0, r.out);
});

test('it compiles too for a Node-only consumer (no DOM lib: fetch types from @types/node)', () => {
  const dir = path.join(tmp, 'node-only');
  writeConsumer(dir, CONSUMER, ['es2023']);
  fs.symlinkSync(path.join(tmp, 'node_modules'), path.join(dir, 'node_modules'));
  const r = runTsc(['-p', 'tsconfig.json'], dir);
  assert.is(r.code, 0, r.out);
});

test('a consumer with type errors is rejected (the check has teeth)', () => {
  const dir = path.join(tmp, 'broken');
  writeConsumer(dir, BROKEN);
  fs.symlinkSync(path.join(tmp, 'node_modules'), path.join(dir, 'node_modules'));
  const r = runTsc(['-p', 'tsconfig.json', '--pretty', 'false'], dir);
  assert.ok(r.code !== 0 && r.code !== null, `tsc should fail with errors; exit ${String(r.code)}: ${r.out}`);
  // One error on each wrong line (the source starts with a newline): the port
  // type, the status type, the missing field.
  for (const line of [3, 5, 6]) assert.match(r.out, new RegExp(`main\\.ts\\(${line},\\d+\\): error TS`), `line ${line}: ${r.out}`);
});

test('no `any` in the public declarations', () => {
  const offenders: string[] = [];
  for (const file of declarations(dtsDir)) {
    codeOnly(fs.readFileSync(file, 'utf8'))
      .split('\n')
      .forEach((line, i) => {
        if (/\bany\b/.test(line)) offenders.push(`${path.relative(dtsDir, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.equal(offenders, []);
});

test.run();
