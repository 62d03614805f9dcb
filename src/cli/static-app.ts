// What `brigade serve --workers N` mounts in every looper worker: the static
// tree with the options the command line and the config file gave. A worker
// module (setup(server, data)), so each worker thread builds the same server.
import type { Server } from '../server.js';
import type { StaticOptions } from '../static/static-handler.js';

export interface StaticAppData {
  dir: string;
  /** Structured-cloned into each worker: plain data only. */
  options: StaticOptions;
}

export function setup(server: Server, data: StaticAppData): void {
  server.static('/', data.dir, data.options);
}
