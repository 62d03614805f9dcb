// What `brigade serve` mounts: one static tree. An app module (setup(server,
// data)) so that --workers N loads the same thing in every looper worker.
import type { Server } from '../server.js';

export interface StaticAppData {
  dir: string;
  compress: boolean;
  /** Cache-Control max-age in seconds; undefined: the static handler's default. */
  maxAge?: number;
}

export function setup(server: Server, data: StaticAppData): void {
  server.static('/', data.dir, {
    ...(data.compress ? { compress: true } : {}),
    ...(data.maxAge === undefined ? {} : { maxAge: data.maxAge }),
  });
}
