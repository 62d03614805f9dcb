#!/usr/bin/env node
// `brigade` command: parse flags, serve a directory, reload on SIGHUP/SIGUSR2,
// drain on SIGINT/SIGTERM.

import * as fs from 'node:fs';
import type { Server } from '../index.js';
import { displayUrl, parseCliArgs, USAGE, type ServeConfig } from './args.js';

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
  // Loaded here, not at the top: --help and --version must work even when the
  // native addon cannot be loaded.
  let reloadModule: typeof import('./reload.js');
  let buildServer: typeof import('./build-server.js').buildServer;
  try {
    reloadModule = await import('./reload.js');
    ({ buildServer } = await import('./build-server.js'));
  } catch (err) {
    fail(`cannot load the server (native addon missing or broken?): ${err instanceof Error ? err.message : String(err)}`);
  }
  const log = (line: string): void => console.log(line);
  let port = config.port; // the bound one once listening; reloads keep the socket, so the port too
  const label = (root: string): string => `serving ${root} at ${displayUrl(config.host, port)}`;
  const build = (c: ServeConfig): { server: Server; label: string } => {
    const { server, root } = buildServer(c);
    return { server, label: label(root) };
  };
  // Every reload (SIGHUP, SIGUSR2) builds a new server through build(). The
  // command line does not change; a configuration file read here would.
  const target = new reloadModule.ReloadingServer<ServeConfig>({ load: () => config, build, log });

  let first: ReturnType<typeof buildServer>;
  try {
    first = buildServer(config);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  reloadModule.installSignalHandlers(target, log);
  try {
    port = (await target.start(first.server)).port;
  } catch (err) {
    fail(`cannot listen on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  console.log(`brigade ${label(first.root)}`);
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
