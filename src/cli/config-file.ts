// The `brigade serve` config file: finding it, loading it (JSON, JavaScript
// or TypeScript) and checking every key against one declarative table.
//
// Shape (all keys optional):
//   { dir, host, port, mpm, threads, ioThreads, gzip, cache | maxAge,
//     listing, spa, notFound, dotfiles,       // the CLI flags' settings
//     status, accessLog, accessLogFormat,
//     server: { ...createServer options },    // anything else the API takes
//     static: { ...server.static options },
//     setup(server) { ... } }                 // .js/.ts only: routes, filters
// A module may also export a function as its default: it is the setup.
// Paths (dir) are relative to the file's directory. Unknown keys and values of
// the wrong type are errors that name the key.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from '../server.js';
import type { ServerOptions } from '../config.js';
import type { StaticOptions } from '../static/static-handler.js';
import { DOTFILES_POLICIES, isOneOf, MAX_CACHE_SECONDS, MAX_IO_THREADS, MAX_THREADS, MPM_NAMES, parseDuration, parseHost, type ServeSettings } from './args.js';

/** Looked for in the current directory, in this order; finding more than one is an error. */
export const CONFIG_FILE_NAMES = [
  'brigade.config.ts',
  'brigade.config.mts',
  'brigade.config.js',
  'brigade.config.mjs',
  'brigade.config.cjs',
  'brigade.config.json',
] as const;

export type ConfigSetup = (server: Server) => void | Promise<void>;

export interface LoadedConfig {
  /** Absolute path of the file. */
  file: string;
  /** The CLI-equivalent settings; the flags override them. */
  settings: ServeSettings;
  /** Passed to createServer under the settings (host, port, mpm, … win). */
  server?: ServerOptions;
  /** Passed to server.static under the settings (gzip, cache, listing, … win). */
  static?: StaticOptions;
  /** Called with the server before the static mount is added. */
  setup?: ConfigSetup;
}

/** A config file that cannot be used; the message names the file and the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

// ---- the key table ------------------------------------------------------------------

interface KeyContext {
  file: string;
  /** The file's directory: relative paths are resolved against it. */
  base: string;
}

/** Turns one raw value into settings, or throws ConfigError. */
type KeyParser = (value: unknown, key: string, ctx: KeyContext) => ServeSettings;

function problem(ctx: KeyContext, key: string, message: string): ConfigError {
  return new ConfigError(`${ctx.file}: "${key}" ${message}`);
}

function got(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
}

type Check<T> = (value: unknown, key: string, ctx: KeyContext) => T;

const boolean: Check<boolean> = (v, key, ctx) => {
  if (typeof v !== 'boolean') throw problem(ctx, key, `must be true or false, got ${got(v)}`);
  return v;
};

const nonEmptyString: Check<string> = (v, key, ctx) => {
  if (typeof v !== 'string' || v === '') throw problem(ctx, key, `must be a non-empty string, got ${got(v)}`);
  return v;
};

function integer(min: number, max: number): Check<number> {
  return (v, key, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw problem(ctx, key, `must be an integer from ${min} to ${max}, got ${got(v)}`);
    return v;
  };
}

function oneOf<T extends string>(allowed: readonly T[]): Check<T> {
  return (v, key, ctx) => {
    if (typeof v !== 'string' || !isOneOf(v, allowed)) throw problem(ctx, key, `must be one of ${allowed.join(', ')}, got ${got(v)}`);
    return v;
  };
}

const hostName: Check<string> = (v, key, ctx) => {
  const h = typeof v === 'string' ? parseHost(v) : null;
  if (typeof h !== 'string') throw problem(ctx, key, `must be a host name or IP address, got ${got(v)}`);
  return h;
};

/** Seconds as a number, or the CLI's duration syntax ('1h', '7d'). */
const duration: Check<number> = (v, key, ctx) => {
  if (typeof v === 'number') return integer(0, MAX_CACHE_SECONDS)(v, key, ctx);
  const n = typeof v === 'string' ? parseDuration(v, key) : null;
  if (typeof n !== 'number') throw problem(ctx, key, `must be seconds or a string like "1h" or "7d", got ${got(v)}`);
  return n;
};

const directory: Check<string> = (v, key, ctx) => path.resolve(ctx.base, nonEmptyString(v, key, ctx));

/** A path, relative to the config file's directory. */
const file: Check<string> = (v, key, ctx) => path.resolve(ctx.base, nonEmptyString(v, key, ctx));

const booleanOrFile: Check<boolean | string> = (v, key, ctx) => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && v !== '') return v;
  throw problem(ctx, key, `must be true, false or a file name, got ${got(v)}`);
};

/** A key that sets one ServeSettings field. */
function setting<K extends keyof ServeSettings>(field: K, check: Check<NonNullable<ServeSettings[K]>>): KeyParser {
  return (v, key, ctx) => ({ [field]: check(v, key, ctx) }) as ServeSettings;
}

// One line per key. Adding a setting: a ServeSettings field, a line here, a flag in args.ts.
const SETTINGS: Record<string, KeyParser> = {
  dir: setting('dir', directory),
  host: setting('host', hostName),
  port: setting('port', integer(0, 65535)),
  mpm: setting('mpm', oneOf(MPM_NAMES)),
  threads: setting('threads', integer(1, MAX_THREADS)),
  ioThreads: setting('ioThreads', integer(1, MAX_IO_THREADS)),
  gzip: setting('gzip', boolean),
  cache: setting('maxAge', duration),
  maxAge: setting('maxAge', duration),
  listing: setting('listing', boolean),
  spa: setting('spa', booleanOrFile),
  notFound: setting('notFound', nonEmptyString),
  dotfiles: setting('dotfiles', oneOf(DOTFILES_POLICIES)),
  tlsCert: setting('tlsCert', file),
  tlsKey: setting('tlsKey', file),
  hsts: setting('hsts', boolean),
  redirectHttp: setting('redirectHttp', integer(0, 65535)),
  status: setting('status', boolean),
  accessLog: setting('accessLog', file),
  accessLogFormat: setting('accessLogFormat', oneOf(['common', 'combined'] as const)),
};

/** Keys for the programmatic API, checked for shape only (createServer / server.static validate the rest). */
const PASSTHROUGH = ['server', 'static', 'setup'] as const;

export const CONFIG_KEYS: readonly string[] = [...Object.keys(SETTINGS), ...PASSTHROUGH];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Checks a config value (what the file's default export or JSON holds). */
export function validateConfig(raw: unknown, file: string): LoadedConfig {
  const ctx: KeyContext = { file, base: path.dirname(file) };
  if (typeof raw === 'function') return { file, settings: {}, setup: raw as ConfigSetup };
  if (!isPlainObject(raw)) throw new ConfigError(`${file}: must hold an object (or, for a module, export one or a setup function as default), got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);

  const loaded: LoadedConfig = { file, settings: {} };
  const setBy = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const parse = SETTINGS[key];
    if (parse !== undefined) {
      const part = parse(value, key, ctx);
      for (const field of Object.keys(part)) {
        const earlier = setBy.get(field);
        if (earlier !== undefined) throw new ConfigError(`${file}: "${key}" and "${earlier}" set the same thing: give one`);
        setBy.set(field, key);
      }
      Object.assign(loaded.settings, part);
      continue;
    }
    switch (key) {
      case 'server':
        if (!isPlainObject(value)) throw problem(ctx, key, `must be an object of createServer options, got ${got(value)}`);
        loaded.server = value as ServerOptions;
        break;
      case 'static':
        if (!isPlainObject(value)) throw problem(ctx, key, `must be an object of server.static options, got ${got(value)}`);
        loaded.static = value as StaticOptions;
        break;
      case 'setup':
        if (typeof value !== 'function') throw problem(ctx, key, `must be a function (server) => void, got ${got(value)}`);
        loaded.setup = value as ConfigSetup;
        break;
      default:
        throw new ConfigError(`${file}: unknown key "${key}" (known: ${CONFIG_KEYS.join(', ')})`);
    }
  }
  return loaded;
}

// ---- finding and loading --------------------------------------------------------------

/** The config file in dir, null if there is none; more than one is an error. */
export function findConfigFile(dir: string): string | null {
  const present = CONFIG_FILE_NAMES.filter((name) => fs.existsSync(path.join(dir, name)));
  if (present.length > 1) throw new ConfigError(`several config files in ${dir}: ${present.join(', ')}; keep one or pass --config`);
  return present.length === 1 ? path.join(dir, present[0]!) : null;
}

interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<unknown>;
}

// tsx's loader API: the project's own copy (next to the config file) first,
// then brigade's. Absent in a production install unless the project has it.
async function findTsx(file: string): Promise<TsxApi | null> {
  const candidates: string[] = [];
  for (const from of [file, import.meta.url]) {
    try {
      candidates.push(createRequire(from).resolve('tsx/esm/api'));
    } catch {
      // not installed there
    }
  }
  for (const resolved of candidates) {
    try {
      // tsx/esm/api resolves to a CommonJS file for require(); import the ESM sibling.
      const esm = resolved.endsWith('.cjs') ? resolved.slice(0, -'.cjs'.length) + '.mjs' : resolved;
      const api = (await import(pathToFileURL(fs.existsSync(esm) ? esm : resolved).href)) as Partial<TsxApi>;
      if (typeof api.tsImport === 'function') return api as TsxApi;
    } catch {
      // a broken copy: try the next
    }
  }
  return null;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function importModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  const typescript = /\.m?ts$/.test(file);
  if (typescript) {
    const tsx = await findTsx(file);
    if (tsx !== null) return tsx.tsImport(url, import.meta.url);
  }
  try {
    return await import(url);
  } catch (err) {
    if (typescript && errorCode(err) === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new ConfigError(`${file}: a TypeScript config needs tsx (npm install --save-dev tsx) or a Node.js that strips types; or use brigade.config.mjs or .json`);
    }
    throw err;
  }
}

// A module's default export; tsx may hand a CommonJS-compiled module back as
// { default: { default: x } }.
function defaultExport(ns: unknown, file: string): unknown {
  const mod = ns as { default?: unknown };
  if (!('default' in (mod as object))) throw new ConfigError(`${file}: no default export (export default { ... })`);
  let value = mod.default;
  if (isModuleWrapper(value)) value = value.default;
  return value;
}

function isModuleWrapper(v: unknown): v is { default: unknown } {
  if (typeof v !== 'object' || v === null || !('default' in v)) return false;
  return (v as { __esModule?: unknown }).__esModule === true || Object.prototype.toString.call(v) === '[object Module]';
}

/** Reads, evaluates and checks a config file. Throws ConfigError for anything wrong with it. */
export async function loadConfigFile(fileArg: string, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const file = path.resolve(cwd, fileArg);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ConfigError(`config file not found: ${fileArg}`);
  }
  if (!stat.isFile()) throw new ConfigError(`config file is not a file: ${fileArg}`);

  if (file.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return validateConfig(raw, file);
  }
  if (!/\.(m?ts|[cm]?js)$/.test(file)) throw new ConfigError(`${file}: a config file ends in .json, .js, .mjs, .cjs, .ts or .mts`);
  let ns: unknown;
  try {
    ns = await importModule(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: cannot load: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
  }
  return validateConfig(defaultExport(ns, file), file);
}
