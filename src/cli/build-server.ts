// Builds the (not yet listening) server that `brigade serve` runs from one
// configuration: the command line merged over the config file. The one place
// that turns settings into a Server: the first start and every reload
// (SIGHUP) go through it, so a reload reads flags, the config file and the
// TLS certificate files afresh.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer, type Server } from '../index.js';
import type { ServeConfig } from './args.js';
import type { LoadedConfig } from './config-file.js';

export interface BuiltServer {
  server: Server;
  /** The directory served, symlinks resolved (what this build will serve until the next reload). */
  root: string;
}

/** Server errors carry their own 'brigade: ' prefix; the CLI adds one. */
export function cliMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^brigade: /, '');
}

/**
 * Throws (with a message fit for the log) when the configuration cannot be
 * served; a reload then keeps the running server. An error whose `usage`
 * property is true comes from option values (exit status 2 at the first start).
 *
 * The directory's symlinks are resolved here, once per build: pointing a
 * symlink at a new release and sending SIGHUP switches the site atomically,
 * while the old server finishes its requests from the old tree.
 */
export async function buildServer(config: ServeConfig, file: LoadedConfig | null = null): Promise<BuiltServer> {
  let root: string;
  try {
    root = fs.realpathSync(path.resolve(config.dir));
  } catch {
    throw new Error(`directory not found: ${config.dir}`);
  }
  if (!fs.statSync(root).isDirectory()) throw new Error(`not a directory: ${config.dir}`);
  const usage = (err: unknown): Error => Object.assign(new Error(cliMessage(err)), { usage: true });
  let server: Server;
  try {
    server = createServer({
      ...file?.server,
      host: config.host,
      port: config.port,
      ...(config.ioThreads === undefined ? {} : { ioThreads: config.ioThreads }),
      ...(config.mpm === undefined ? {} : { mpm: config.mpm }),
      ...(config.threads === undefined ? {} : { threads: config.threads }),
      ...(config.tlsCert === undefined || config.tlsKey === undefined
        ? {}
        : { tls: { ...file?.server?.tls, cert: config.tlsCert, key: config.tlsKey, ...(config.hsts ? { hsts: true } : {}) } }),
      // --status keeps status options the config file gave.
      ...(config.status && !file?.server?.status ? { status: true } : {}),
      ...(config.accessLog === undefined ? {} : { accessLog: { path: config.accessLog, format: config.accessLogFormat ?? 'common' } }),
    });
  } catch (err) {
    throw usage(err);
  }
  if (file?.setup) {
    // Before the static mount, so the setup's routes and filters come first.
    try {
      await file.setup(server);
    } catch (err) {
      throw new Error(`${file.file}: setup failed: ${cliMessage(err)}`);
    }
  }
  const fileStatic = file?.static ?? {};
  try {
    server.static('/', root, {
      ...fileStatic,
      // --gzip keeps compress() options the config file gave under "static".
      ...(config.gzip ? { compress: typeof fileStatic.compress === 'object' ? fileStatic.compress : true } : {}),
      ...(config.maxAge === undefined ? {} : { maxAge: config.maxAge }),
      ...(config.listing === undefined ? {} : { listing: config.listing }),
      ...(config.spa === undefined ? {} : { spa: config.spa }),
      ...(config.notFound === undefined ? {} : { notFound: config.notFound }),
      ...(config.dotfiles === undefined ? {} : { dotfiles: config.dotfiles }),
    });
  } catch (err) {
    throw usage(err);
  }
  return { server, root };
}
