// Builds the (not yet listening) server that `brigade serve` runs from one
// configuration. The one place that turns a ServeConfig into a Server: the
// first start and every reload (SIGHUP) go through it, so whatever a reload
// reads afresh (flags today, a config file later) only needs to produce a
// ServeConfig.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer, type Server } from '../index.js';
import type { ServeConfig } from './args.js';

export interface BuiltServer {
  server: Server;
  /** The directory served, symlinks resolved (what this build will serve until the next reload). */
  root: string;
}

/**
 * Throws (with a message fit for the log) when the configuration cannot be
 * served; a reload then keeps the running server.
 *
 * The directory's symlinks are resolved here, once per build: pointing a
 * symlink at a new release and sending SIGHUP switches the site atomically,
 * while the old server finishes its requests from the old tree.
 */
export function buildServer(config: ServeConfig): BuiltServer {
  let root: string;
  try {
    root = fs.realpathSync(path.resolve(config.dir));
  } catch {
    throw new Error(`directory not found: ${config.dir}`);
  }
  if (!fs.statSync(root).isDirectory()) throw new Error(`not a directory: ${config.dir}`);
  const server = createServer({
    host: config.host,
    port: config.port,
    ...(config.ioThreads === undefined ? {} : { ioThreads: config.ioThreads }),
    ...(config.mpm === undefined ? {} : { mpm: config.mpm }),
    ...(config.threads === undefined ? {} : { threads: config.threads }),
  });
  server.static('/', root, {
    ...(config.gzip ? { compress: true } : {}),
    ...(config.maxAge === undefined ? {} : { maxAge: config.maxAge }),
  });
  return { server, root };
}
