#!/usr/bin/env node
// `brigade` command: parse flags, serve a directory, drain on SIGINT/SIGTERM.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayUrl, parseCliArgs, USAGE, type ServeConfig } from './args.js';
import { setup as setupStaticApp, type StaticAppData } from './static-app.js';

// The app module each worker loads with --workers (.ts under tsx, .js from dist).
const STATIC_APP = new URL(`./static-app${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

// Exit status for a bad command line (like most Unix tools), as opposed to 1
// for a run that failed.
const EXIT_USAGE = 2;

function fail(message: string, status = 1): never {
  process.stderr.write(`brigade: ${message}\n`);
  process.exit(status);
}

function readVersion(): string {
  // dist/cli/main.js (and src/cli/main.ts under tsx) → the package root.
  const pkgUrl = new URL('../../package.json', import.meta.url);
  const pkg: unknown = JSON.parse(fs.readFileSync(pkgUrl, 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

async function serve(config: ServeConfig): Promise<void> {
  const dir = path.resolve(config.dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    fail(`directory not found: ${config.dir}`);
  }
  if (!stat.isDirectory()) fail(`not a directory: ${config.dir}`);

  // Loaded here, not at the top: --help and --version must work even when the
  // native addon cannot be loaded.
  let createServer: typeof import('../index.js').createServer;
  try {
    ({ createServer } = await import('../index.js'));
  } catch (err) {
    fail(`cannot load the server (native addon missing or broken?): ${err instanceof Error ? err.message : String(err)}`);
  }
  const app: StaticAppData = { dir, compress: config.gzip === true, ...(config.maxAge === undefined ? {} : { maxAge: config.maxAge }) };
  const workers = config.workers ?? 1;
  const server = createServer({
    host: config.host,
    port: config.port,
    ...(config.ioThreads === undefined ? {} : { ioThreads: config.ioThreads }),
    ...(config.mpm === undefined ? {} : { mpm: config.mpm }),
    ...(config.threads === undefined ? {} : { threads: config.threads }),
    // Every looper worker loads static-app and mounts the same tree.
    ...(workers > 1 ? { workers, app: STATIC_APP, appData: app } : {}),
  });
  if (workers === 1) setupStaticApp(server, app);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`brigade: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    console.log('brigade: shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await server.listen();
  } catch (err) {
    fail(`cannot listen on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const on = workers > 1 ? ` (${workers} looper workers)` : '';
  console.log(`brigade serving ${dir} at ${displayUrl(config.host, server.address.port)}${on}`);
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`brigade: ${parsed.error}\n\n${USAGE}`);
    process.exit(EXIT_USAGE);
  }
  const { command } = parsed;
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      console.log(readVersion());
      return;
    case 'serve':
      await serve(command);
      return;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
});
