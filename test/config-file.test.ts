// The `brigade serve` config file: discovery, the JSON / JavaScript /
// TypeScript loaders, the key table's checks, and how flags override it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCliArgs, type ServeConfig, type ServeSettings } from '../src/cli/args.js';
import { CONFIG_FILE_NAMES, ConfigError, findConfigFile, loadConfigFile, validateConfig } from '../src/cli/config-file.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-config-'));
let n = 0;

/** A fresh directory holding one file; returns the file's path. */
function file(name: string, content: string): string {
  const dir = path.join(base, String(n++));
  fs.mkdirSync(dir);
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

async function loadError(p: string): Promise<string> {
  try {
    await loadConfigFile(p);
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${p} to be refused`);
}

function validateError(raw: unknown): string {
  try {
    validateConfig(raw, '/x/brigade.config.json');
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

function serve(argv: string[], defaults: ServeSettings): ServeConfig {
  const r = parseCliArgs(argv, defaults);
  if (!r.ok || r.command.kind !== 'serve') throw new Error(`expected serve: ${JSON.stringify(r)}`);
  return r.command;
}

// --- keys --------------------------------------------------------------------------

const keys = suite('config file: keys');

keys('every setting, checked and converted', () => {
  const c = validateConfig(
    { dir: 'site', host: '[::1]', port: 0, mpm: 'event', threads: 8, ioThreads: 2, gzip: true, cache: '1h', listing: true, spa: 'app.html', notFound: '404.html', dotfiles: 'deny' },
    '/etc/brigade/brigade.config.json',
  );
  assert.equal(c.settings, {
    dir: '/etc/brigade/site',
    host: '::1',
    port: 0,
    mpm: 'event',
    threads: 8,
    ioThreads: 2,
    gzip: true,
    maxAge: 3600,
    listing: true,
    spa: 'app.html',
    notFound: '404.html',
    dotfiles: 'deny',
  });
  assert.is(validateConfig({ maxAge: 60 }, '/x/c.json').settings.maxAge, 60);
  assert.is(validateConfig({ cache: '7d' }, '/x/c.json').settings.maxAge, 604800);
  assert.is(validateConfig({ spa: true }, '/x/c.json').settings.spa, true);
  assert.is(validateConfig({ dir: '/abs/site' }, '/x/c.json').settings.dir, '/abs/site');
  assert.equal(validateConfig({}, '/x/c.json').settings, {});
});

keys('unknown keys are refused by name', () => {
  const e = validateError({ port: 1, prot: 2 });
  assert.match(e, /unknown key "prot"/);
  assert.match(e, /brigade\.config\.json/);
  assert.match(e, /known: .*port/);
  assert.match(validateError({ ssl: true }), /"ssl"/);
});

keys('wrong types name the key and the value', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ port: '8080' }, /"port" must be an integer from 0 to 65535, got "8080"/],
    [{ port: 70000 }, /"port" must be an integer/],
    [{ port: 1.5 }, /"port"/],
    [{ threads: 0 }, /"threads" must be an integer from 1 to 1024/],
    [{ ioThreads: 257 }, /"ioThreads"/],
    [{ mpm: 'prefork' }, /"mpm" must be one of looper, event, worker, leader, got "prefork"/],
    [{ host: 'not a host' }, /"host" must be a host name or IP address/],
    [{ host: 127001 }, /"host"/],
    [{ gzip: 'yes' }, /"gzip" must be true or false, got "yes"/],
    [{ listing: 1 }, /"listing" must be true or false/],
    [{ cache: '1 hour' }, /"cache" must be seconds or a string like "1h"/],
    [{ cache: -1 }, /"cache" must be an integer/],
    [{ maxAge: true }, /"maxAge"/],
    [{ spa: 3 }, /"spa" must be true, false or a file name/],
    [{ spa: '' }, /"spa"/],
    [{ notFound: false }, /"notFound" must be a non-empty string/],
    [{ dotfiles: 'hide' }, /"dotfiles" must be one of ignore, deny, allow, got "hide"/],
    [{ dir: '' }, /"dir" must be a non-empty string/],
    [{ dir: null }, /"dir"/],
    [{ server: [] }, /"server" must be an object/],
    [{ static: 'x' }, /"static" must be an object/],
    [{ setup: 'fn' }, /"setup" must be a function/],
  ];
  for (const [raw, re] of cases) assert.match(validateError(raw), re, JSON.stringify(raw));
});

keys('status, accessLog, accessLogFormat: checked, the log path relative to the file', () => {
  const c = validateConfig({ status: true, accessLog: 'logs/access.log', accessLogFormat: 'combined' }, '/etc/brigade/brigade.config.json');
  assert.equal(c.settings, { status: true, accessLog: '/etc/brigade/logs/access.log', accessLogFormat: 'combined' });
  assert.match(validateError({ status: 'on' }), /"status" must be true or false/);
  assert.match(validateError({ accessLog: '' }), /"accessLog" must be a non-empty string/);
  assert.match(validateError({ accessLogFormat: 'json' }), /"accessLogFormat" must be one of common, combined, got "json"/);
  // The flag's format goes with the file's log path.
  assert.is(serve(['serve', '--access-log-format', 'combined'], { accessLog: '/x.log' }).accessLogFormat, 'combined');
});

keys('two keys for one setting is an error', () => {
  assert.match(validateError({ cache: '1h', maxAge: 60 }), /"maxAge" and "cache" set the same thing/);
});

keys('the file must hold an object or a function', () => {
  assert.match(validateError([]), /an array/);
  assert.match(validateError(null), /null/);
  assert.match(validateError(42), /number/);
  const setup = (): void => {};
  assert.is(validateConfig(setup, '/x/c.mjs').setup, setup);
});

keys('server, static and setup pass through', () => {
  const setup = (): void => {};
  const c = validateConfig({ server: { backlog: 64 }, static: { index: ['index.htm'] }, setup }, '/x/c.mjs');
  assert.equal(c.server, { backlog: 64 });
  assert.equal(c.static, { index: ['index.htm'] });
  assert.is(c.setup, setup);
});

keys.run();

// --- loading -----------------------------------------------------------------------

const load = suite('config file: loading');

load('JSON', async () => {
  const p = file('brigade.config.json', JSON.stringify({ port: 9000, listing: true, dir: 'public' }));
  const c = await loadConfigFile(p);
  assert.is(c.file, p);
  assert.equal(c.settings, { port: 9000, listing: true, dir: path.join(path.dirname(p), 'public') });
});

load('JSON syntax errors and a setup in JSON are refused', async () => {
  assert.match(await loadError(file('brigade.config.json', '{ "port": 80, }')), /brigade\.config\.json: .*JSON/);
  assert.match(await loadError(file('brigade.config.json', '{ "setup": "x" }')), /"setup" must be a function/);
});

load('.mjs with an object and a setup function', async () => {
  const p = file('brigade.config.mjs', 'export default { gzip: true, spa: true, setup(server) { server.marker = 1; } };\n');
  const c = await loadConfigFile(p);
  assert.equal(c.settings, { gzip: true, spa: true });
  assert.type(c.setup, 'function');
  const fake = {} as { marker?: number };
  await c.setup!(fake as never);
  assert.is(fake.marker, 1);
});

load('.mjs exporting a function: it is the setup', async () => {
  const c = await loadConfigFile(file('brigade.config.mjs', 'export default (server) => { server.seen = true; };\n'));
  assert.equal(c.settings, {});
  const fake = {} as { seen?: boolean };
  await c.setup!(fake as never);
  assert.is(fake.seen, true);
});

load('.cjs with module.exports', async () => {
  const c = await loadConfigFile(file('brigade.config.cjs', 'module.exports = { port: 1234 };\n'));
  assert.is(c.settings.port, 1234);
});

load('.ts with types and a typed setup (through tsx)', async () => {
  const src = [
    "interface Settings { port: number; dotfiles: 'deny' }",
    "const settings: Settings = { port: 4321, dotfiles: 'deny' };",
    'export default { ...settings, setup(server: { n?: number }): void { server.n = 7; } };',
    '',
  ].join('\n');
  const c = await loadConfigFile(file('brigade.config.ts', src));
  assert.equal(c.settings, { port: 4321, dotfiles: 'deny' });
  const fake: { n?: number } = {};
  await c.setup!(fake as never);
  assert.is(fake.n, 7);
});

load('a module without a default export, or one that throws, is refused', async () => {
  assert.match(await loadError(file('brigade.config.mjs', 'export const port = 1;\n')), /no default export/);
  assert.match(await loadError(file('brigade.config.mjs', "throw new Error('boom');\n")), /cannot load: boom/);
  assert.match(await loadError(file('brigade.config.mjs', 'export default {{;\n')), /cannot load/);
  assert.match(await loadError(file('brigade.config.mjs', 'export default { colour: 1 };\n')), /unknown key "colour"/);
});

load('missing files, directories and other extensions are refused', async () => {
  assert.match(await loadError(path.join(base, 'nope.json')), /config file not found/);
  assert.match(await loadError(base), /not a file/);
  assert.match(await loadError(file('brigade.config.yaml', 'port: 1')), /ends in \.json/);
});

load.run();

// --- discovery and precedence -------------------------------------------------------------

const find = suite('config file: discovery and precedence');

find('found in the directory; none is null; several are an error', () => {
  const one = file('brigade.config.json', '{}');
  assert.is(findConfigFile(path.dirname(one)), one);
  const empty = fs.mkdtempSync(path.join(base, 'empty-'));
  assert.is(findConfigFile(empty), null);
  fs.writeFileSync(path.join(path.dirname(one), 'brigade.config.mjs'), 'export default {}');
  assert.throws(() => findConfigFile(path.dirname(one)), /several config files/);
  assert.ok(CONFIG_FILE_NAMES.includes('brigade.config.ts'));
});

find('flags override the file; the file overrides the defaults', () => {
  const fromFile: ServeSettings = { dir: '/srv/site', port: 9000, host: '0.0.0.0', listing: true, dotfiles: 'deny', maxAge: 60, spa: 'app.html' };
  assert.equal(serve(['serve'], fromFile), { kind: 'serve', ...fromFile });
  const c = serve(['serve', 'other', '--port', '1', '--dotfiles', 'allow', '--cache', '1h'], fromFile);
  assert.is(c.dir, 'other');
  assert.is(c.port, 1);
  assert.is(c.host, '0.0.0.0');
  assert.is(c.dotfiles, 'allow');
  assert.is(c.maxAge, 3600);
  assert.is(c.listing, true);
  assert.is(serve(['serve', '--spa'], fromFile).spa, 'app.html', '--spa keeps the file name');
  assert.is(serve(['serve', '--spa'], {}).spa, true);
});

find.after(() => fs.rmSync(base, { recursive: true, force: true }));
find.run();
