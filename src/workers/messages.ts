// Messages between the thread that called listen() and its looper workers.
import type { ServerOptions } from '../config.js';

/** workerData of a looper worker. */
export interface WorkerStart {
  id: number;
  /** Everything createServer() takes, port included, reusePort set. */
  options: ServerOptions;
  /** file: URL of the app module. */
  app: string;
  appData: unknown;
}

export type ToWorker = { type: 'close'; timeout: number };

export type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'error'; message: string }
  | { type: 'closed' };
